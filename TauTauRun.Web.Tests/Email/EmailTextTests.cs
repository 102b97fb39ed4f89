using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using TauTauRun.Web.Email;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Tests.Email;

/// <summary>Every built-in email text exists in every language, filled in, with the same placeholders as the English one.</summary>
public sealed partial class EmailTextTests
{
    private static Dictionary<string, string> Texts(CultureInfo culture) =>
        EmailText.Resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false)!
            .Cast<DictionaryEntry>().ToDictionary(entry => (string)entry.Key, entry => (string)entry.Value!);

    private static Dictionary<string, string> English => Texts(CultureInfo.InvariantCulture);

    private static IEnumerable<string> OtherLanguages => Languages.Supported.Select(l => l.Code).Where(code => code != Languages.Default);

    [Test]
    public void English_is_the_fallback_and_has_texts() => Assert.That(English, Has.Count.GreaterThan(40));

    [TestCaseSource(nameof(OtherLanguages))]
    public void Every_text_has_a_translation_and_no_translation_is_left_over(string language)
    {
        var translated = Texts(Languages.Culture(language));

        Assert.That(English.Keys.Except(translated.Keys), Is.Empty, $"without a translation into {language}");
        Assert.That(translated.Keys.Except(English.Keys), Is.Empty, $"in {language} but not in English (renamed or removed?)");
        Assert.That(translated.Where(t => string.IsNullOrWhiteSpace(t.Value)).Select(t => t.Key), Is.Empty, "empty");
    }

    [TestCaseSource(nameof(OtherLanguages))]
    public void Every_translation_has_the_placeholders_of_the_english_text(string language)
    {
        var translated = Texts(Languages.Culture(language));

        var different = English.Keys.Where(key => translated.ContainsKey(key) && !Placeholders(English[key]).SetEquals(Placeholders(translated[key])));
        Assert.That(different, Is.Empty, "a {n} missing, added or renumbered");
    }

    private static HashSet<string> Placeholders(string text) => Placeholder().Matches(text).Select(m => m.Value).ToHashSet();

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();
}
