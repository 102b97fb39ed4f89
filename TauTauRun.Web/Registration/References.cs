using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Registration references such as <c>TTR-7K3M9Q</c>: Crockford's base32 (no I, L, O or U, so nothing
/// is misread over the phone or typed wrong into a bank transfer), about a billion values.
/// </summary>
public static partial class References
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New() => "TTR-" + RandomNumberGenerator.GetString(Alphabet, 6);

    /// <summary>
    /// Every reference in a text as people and banks write it: any case, with or without the hyphen,
    /// with spaces, dots or hyphens inside ("ttr 467 vwp", "Transfer TTR-467VWP BUDI"), in order,
    /// each once, written the canonical way.
    /// </summary>
    public static IReadOnlyList<string> FindAll(string? text) => text is null ? [] : Written().Matches(text)
        .Select(m => "TTR-" + Separators().Replace(m.Groups["code"].Value, "").ToUpperInvariant())
        .Distinct()
        .ToList();

    // Six code characters, each possibly after a separator, and then no further letter or digit, so
    // "TTR-467VWPX" is not read as TTR-467VWP.
    [GeneratedRegex(@"(?<![0-9A-Z])TTR[\s.\-]*(?<code>[0-9A-HJKMNP-TV-Z](?:[\s.\-]?[0-9A-HJKMNP-TV-Z]){5})(?![0-9A-Z])",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Written();

    [GeneratedRegex(@"[\s.\-]")]
    private static partial Regex Separators();
}
