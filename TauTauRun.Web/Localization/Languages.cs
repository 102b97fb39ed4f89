using System.Globalization;

namespace TauTauRun.Web.Localization;

/// <summary>
/// The languages runners are served in. A language is a two-letter code (what
/// <c>participants.language</c> and <c>email_templates.language</c> store); adding one is a resource
/// file per resource and one entry here.
/// </summary>
public static class Languages
{
    public const string Default = "en";

    /// <summary>Code and the language's own name, as the switch shows it.</summary>
    public static readonly IReadOnlyList<(string Code, string Name)> Supported = [("en", "English"), ("id", "Bahasa Indonesia")];

    public static bool IsSupported(string? code) => Supported.Any(l => l.Code == code);

    /// <summary>A stored code as a culture; an unknown code (a language since removed) falls back to the default.</summary>
    public static CultureInfo Culture(string? code) => CultureInfo.GetCultureInfo(IsSupported(code) ? code! : Default);

    /// <summary>
    /// The culture numbers and dates are written in: the current culture's language when it is one of
    /// ours, else the default (a server's own locale, or the invariant culture of a command, writes English).
    /// </summary>
    public static CultureInfo Formatting => Culture(CultureInfo.CurrentCulture.TwoLetterISOLanguageName);

    /// <summary>The language of the request or message being written now (the current UI culture).</summary>
    public static string Current => IsSupported(CultureInfo.CurrentUICulture.TwoLetterISOLanguageName)
        ? CultureInfo.CurrentUICulture.TwoLetterISOLanguageName : Default;
}
