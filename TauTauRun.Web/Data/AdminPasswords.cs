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

    /// <summary>Why a new password is refused, or null when it is acceptable. Length is what counts (NIST 800-63B).</summary>
    public static string? Problem(string password, string username)
    {
        if (password.Length < MinimumLength)
            return $"The password must have at least {MinimumLength} characters.";
        if (password.Length > MaximumLength)
            return $"The password must have at most {MaximumLength} characters.";
        if (password.Contains(username, StringComparison.OrdinalIgnoreCase))
            return "The password must not contain the username.";
        return null;
    }
}
