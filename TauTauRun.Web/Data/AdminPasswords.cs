using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace TauTauRun.Web.Data;

/// <summary>
/// Admin password hashing with Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2-SHA512) at
/// 210,000 iterations, OWASP's figure for that algorithm.
/// </summary>
public sealed class AdminPasswords
{
    public const int Iterations = 210_000;
    private static readonly PasswordHasher<AdminPasswords> Hasher =
        new(Options.Create(new PasswordHasherOptions { IterationCount = Iterations }));

    public static string Hash(string password) => Hasher.HashPassword(new AdminPasswords(), password);

    public static PasswordVerificationResult Verify(string hash, string password) =>
        Hasher.VerifyHashedPassword(new AdminPasswords(), hash, password);

    public const int MinimumLength = 12;
    public const int MaximumLength = 256;

    /// <summary>zxcvbn's scale runs 0 to 4; 3 means "safely unguessable: moderate protection from offline attack".</summary>
    public const int MinimumStrength = 3;

    /// <summary>
    /// Why a new password is refused, or null when it is acceptable. Length first (NIST 800-63B), then
    /// zxcvbn's estimate of how many guesses it takes, which knows common passwords, words, keyboard
    /// patterns, dates and l33t spellings, and here also the words of this site: the username, the
    /// event's name and the product's (so "Tautaurun2026!" is as weak as "password1234!").
    /// </summary>
    public static string? Problem(string password, string username, string eventName)
    {
        if (password.Length < MinimumLength)
            return $"The password must have at least {MinimumLength} characters.";
        if (password.Length > MaximumLength)
            return $"The password must have at most {MaximumLength} characters.";
        if (password.Contains(username, StringComparison.OrdinalIgnoreCase))
            return "The password must not contain the username.";
        // zxcvbn finds these words only as typed; "TauTau-Run" hides the name behind a dash.
        var bare = Bare(password);
        if (new[] { eventName, "tautaurun" }.Select(Bare).Any(name => name.Length >= 4 && bare.Contains(name, StringComparison.Ordinal)))
            return "The password must not contain the event's or the site's name.";
        string[] context = [username, eventName, .. eventName.Split([' ', '-', '.'], StringSplitOptions.RemoveEmptyEntries), "tautaurun", "tau-tau run", "tau"];
        if (Zxcvbn.Zxcvbn.MatchPassword(password, context.Select(word => word.ToLowerInvariant())).Score < MinimumStrength)
            return "This password is too easy to guess: it is common, follows a well-known pattern or uses this site's words. "
                   + "Try a few unrelated words.";
        return null;
    }

    private static string Bare(string text) => new(text.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
}
