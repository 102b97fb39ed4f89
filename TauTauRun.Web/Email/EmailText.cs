using System.Globalization;
using System.Resources;

namespace TauTauRun.Web.Email;

/// <summary>
/// The built-in wording of the messages: <c>Localization/EmailText.resx</c> (English, the fallback) and one
/// <c>EmailText.{code}.resx</c> per further language, read in the current UI culture, which the outbox
/// sets to the runner's language (<see cref="EmailOutbox.Render"/>).
/// </summary>
internal static class EmailText
{
    public static readonly ResourceManager Resources = new("TauTauRun.Web.Localization.EmailText", typeof(EmailText).Assembly);

    /// <summary>The text of <paramref name="key"/> with its <c>{0}</c>, <c>{1}</c>… filled in.</summary>
    public static string Get(string key, params object?[] values)
    {
        var text = Resources.GetString(key, CultureInfo.CurrentUICulture)
                   ?? throw new MissingManifestResourceException($"EmailText has no text called {key}");
        return values.Length == 0 ? text : string.Format(Localization.Languages.Formatting, text, values);
    }
}
