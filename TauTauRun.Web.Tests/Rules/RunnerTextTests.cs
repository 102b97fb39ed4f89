using System.Collections;
using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;
using TauTauRun.Web.Localization;

// Outside TauTauRun.Web.Tests, so the assembly's database fixture does not start for these: no HTTP, no database.
namespace TauTauRun.Rules.Tests;

/// <summary>The runners' texts: every language has every text, with the same blanks to fill, and writes dates its own way.</summary>
public sealed partial class RunnerTextTests
{
    private static readonly ResourceManager Texts = new(typeof(RunnerText));

    private static Dictionary<string, string> TextsOf(CultureInfo culture) =>
        Texts.GetResourceSet(culture, createIfNotExists: true, tryParents: false)!
            .Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string)e.Value!);

    private static IEnumerable<string> OtherLanguages => Languages.Supported.Select(l => l.Code).Where(c => c != Languages.Default);

    [TestCaseSource(nameof(OtherLanguages))]
    public void Every_text_has_a_translation_and_every_translation_a_text(string language)
    {
        var english = TextsOf(CultureInfo.InvariantCulture);
        var translated = TextsOf(CultureInfo.GetCultureInfo(language));

        Assert.That(english.Keys.Except(translated.Keys), Is.Empty, $"not translated into {language}");
        Assert.That(translated.Keys.Except(english.Keys), Is.Empty, $"in {language} but not in English");
        Assert.That(english.Concat(translated).Where(t => string.IsNullOrWhiteSpace(t.Value)).Select(t => t.Key), Is.Empty, "empty texts");
    }

    [TestCaseSource(nameof(OtherLanguages))]
    public void A_translation_has_the_blanks_and_the_markup_of_its_text(string language)
    {
        var english = TextsOf(CultureInfo.InvariantCulture);
        var translated = TextsOf(CultureInfo.GetCultureInfo(language));
        foreach (var (key, text) in english.Where(t => translated.ContainsKey(t.Key)))
        {
            Assert.That(Blanks(translated[key]), Is.EquivalentTo(Blanks(text)), $"{key}: the same {{0}}… in {language}");
            Assert.That(Tags(translated[key]), Is.EqualTo(Tags(text)), $"{key}: the same markup in {language}");
        }
    }

    [TestCaseSource(nameof(OtherLanguages))]
    public void The_Indonesian_file_is_the_one_found_for_its_language(string language)
    {
        var english = TextsOf(CultureInfo.InvariantCulture);
        var saved = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = Languages.Culture(language);
        try
        {
            Assert.That(RunnerText.Get("Action.Register"), Is.Not.EqualTo(english["Action.Register"]));
        }
        finally
        {
            CultureInfo.CurrentUICulture = saved;
        }
    }

    [Test]
    public void Every_key_the_code_names_is_a_text()
    {
        var source = Path.Combine(TauTauRun.Web.Tests.Infrastructure.PublishedApp.RepositoryRoot(), "TauTauRun.Web");
        var named = Directory.EnumerateFiles(source, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".cshtml", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(File.ReadLines)
            .Where(line => line.Contains("RunnerText.") || line.Contains("[Display(Name") || line.Contains("ErrorMessage = "))
            .SelectMany(line => Key().Matches(line).Select(m => m.Groups[1].Value))
            // The keys made from a stored code: every gender and every status has its text.
            .Concat(Web.Registration.RunnerInput.Genders.Keys.Select(code => $"Gender.{code}"))
            .Concat(Web.Registration.ParticipantStatus.All.Select(status => $"Status.{status}"))
            .ToHashSet();

        Assert.That(named, Has.Count.GreaterThan(150), "the scan found the code's keys");
        Assert.That(named.Except(TextsOf(CultureInfo.InvariantCulture).Keys), Is.Empty, "named in the code but not in RunnerText.resx");
    }

    [Test]
    [SetCulture("id")]
    [SetUICulture("id")]
    public void Indonesian_writes_dates_with_its_month_names_and_pukul()
    {
        var start = new DateTime(2027, 6, 12, 6, 0, 0);
        Assert.That(RunnerText.DateAndTime(start), Is.EqualTo("12 Juni 2027 pukul 06.00"));
        Assert.That(RunnerText.Date(start), Is.EqualTo("12 Juni 2027"));
        Assert.That(RunnerText.DayDateAndTime(start), Is.EqualTo("Sabtu, 12 Juni 2027 pukul 06.00"));
    }

    [Test]
    [SetCulture("en")]
    [SetUICulture("en")]
    public void English_writes_dates_as_before()
    {
        var start = new DateTime(2027, 6, 12, 6, 0, 0);
        Assert.That(RunnerText.DateAndTime(start), Is.EqualTo("12 June 2027, 06:00"));
        Assert.That(RunnerText.DayDateAndTime(start), Is.EqualTo("Saturday 12 June 2027, 06:00"));
    }

    [Test]
    [SetUICulture("id")]
    public void Markup_keeps_the_text_s_own_tags_and_encodes_what_it_is_given()
    {
        var html = RunnerText.Markup("Status.TransferLink", "/status/x\"><script>", "1 Juni").ToString()!;
        Assert.That(html, Does.StartWith("<a href=\"/status/x&quot;&gt;&lt;script&gt;\">Alihkan"));
    }

    private static string[] Blanks(string text) => Blank().Matches(text).Select(m => m.Value).Distinct().ToArray();

    private static string[] Tags(string text) => Tag().Matches(text).Select(m => m.Value).ToArray();

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Blank();

    [GeneratedRegex(@"<[^>]+>")]
    private static partial Regex Tag();

    // A key as the code names it: RunnerText.Get("Key"…), either side of a ternary inside it, a [Display] name or an attribute's message.
    [GeneratedRegex(@"(?:RunnerText\.(?:Get|Markup)\(|\? |: |Name = |ErrorMessage = )""([A-Z][A-Za-z]*(?:\.[A-Za-z]+)+)""")]
    private static partial Regex Key();
}
