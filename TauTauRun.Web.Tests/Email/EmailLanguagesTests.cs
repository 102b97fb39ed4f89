using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;

namespace TauTauRun.Web.Tests.Email;

/// <summary>
/// Every message written in the runner's language, as the outbox writes it (<see cref="EmailOutbox.Render"/>):
/// the Indonesian one holds no English sentence of the built-in texts and the English one no Indonesian,
/// dates and times on the event's clock in the language's own way.
/// </summary>
public sealed partial class EmailLanguagesTests
{
    // Saturday 12 June 2027, 06:00 in Toraja (UTC+8).
    private static readonly EventSettings Toraja = new()
    {
        Name = "Tau-Tau Run Toraja", Place = "Rantepao", TimeZone = "Asia/Makassar", StartsAt = new DateTime(2027, 6, 11, 22, 0, 0, DateTimeKind.Utc),
        BankAccountHolder = "Yayasan Tau-Tau Run", BankName = "Bank Demo", BankIban = "0123456789", BankBic = "",
    };

    private static RunnerDetails Runner(string language, int? bib = null, long? paid = null) => new(
        "maria@runners.test", "Maria Tangdilintin", "TTR-7K3M9Q", "10K", 15_000_000, "IDR", bib,
        new DateTime(2027, 3, 1, 2, 0, 0, DateTimeKind.Utc), new DateTime(2027, 3, 3, 2, 0, 0, DateTimeKind.Utc), EmailConfirmed: false,
        AmountPaidMinor: paid, Language: language);

    private static RenderedEmail Render(string kind, string language, int? bib = null, long? paid = null) =>
        EmailOutbox.Render(kind, null, Toraja, Runner(language, bib, paid), "https://register.test/status/abc");

    [TestCaseSource(typeof(EmailKind), nameof(EmailKind.All))]
    public void In_indonesian_every_kind_speaks_indonesian_and_no_english_sentence_is_left(string kind)
    {
        foreach (var (bib, paid) in new (int?, long?)[] { (null, null), (42, 15_000_000) })
        {
            var email = Render(kind, "id", bib, paid);

            Assert.That(email.Text, Does.Contain("Halo Maria Tangdilintin,"));
            Assert.That(email.Html, Does.Contain("<html lang=\"id\">"));
            Assert.That(Sentences(CultureInfo.InvariantCulture).Where(email.Text.Contains), Is.Empty, "English left in the Indonesian message");
        }
    }

    [TestCaseSource(typeof(EmailKind), nameof(EmailKind.All))]
    public void In_english_every_kind_speaks_english_and_no_indonesian_sentence_is_in_it(string kind)
    {
        var email = Render(kind, "en");

        Assert.That(email.Text, Does.Contain("Hello Maria Tangdilintin,"));
        Assert.That(email.Html, Does.Contain("<html lang=\"en\">"));
        Assert.That(Sentences(CultureInfo.GetCultureInfo("id")).Where(email.Text.Contains), Is.Empty);
    }

    [Test]
    public void The_start_is_written_as_each_language_writes_a_date_with_the_zone_readers_know()
    {
        Assert.That(Render(EmailKind.PaymentConfirmed, "id", bib: 42).Text, Does.Contain("Waktu start: Sabtu, 12 Juni 2027 pukul 06.00 WITA"));
        Assert.That(Render(EmailKind.PaymentConfirmed, "en", bib: 42).Text, Does.Contain("Start: Saturday 12 June 2027, 06:00 WITA"));
    }

    [Test]
    public void The_bank_details_are_labelled_as_an_indonesian_transfer_form_does_and_an_empty_bic_is_left_out()
    {
        var text = Render(EmailKind.RegistrationReceived, "id").Text;

        Assert.That(text, Does.Contain("Kode pembayaran: TTR-7K3M9Q").And.Contain("Atas nama: Yayasan Tau-Tau Run")
            .And.Contain("Bank: Bank Demo").And.Contain("Nomor rekening: 0123456789"));
        Assert.That(text, Does.Not.Contain("BIC"));
    }

    /// <summary>Money is written by <see cref="Money.Format"/> in the current culture: the contract of issue 18 is rupiah without decimals in Indonesian.</summary>
    [Test]
    public void Rupiah_are_written_without_decimals_in_indonesian() =>
        Assert.That(Render(EmailKind.RegistrationReceived, "id").Text, Does.Contain("Jumlah pembayaran: Rp150.000"));

    [Test]
    public void A_runner_without_a_bib_yet_gets_it_said_in_their_language()
    {
        Assert.That(Render(EmailKind.PaymentConfirmed, "id").Text, Does.Contain("Nomor BIB: menyusul"));
        Assert.That(Render(EmailKind.PaymentConfirmed, "en").Text, Does.Contain("Bib number: to be assigned"));
    }

    [Test]
    public void The_organisers_words_stay_as_typed_and_what_the_placeholders_stand_for_is_in_the_runners_language()
    {
        var wording = new OrganiserTemplate("Pembayaran {reference}", "Halo {name}, BIB {bib}, start {start}.\n\n{payment_details}\n\n{status_link}");

        var email = EmailOutbox.Render(EmailKind.PaymentConfirmed, wording, Toraja, Runner("id"), "https://register.test/status/abc");

        Assert.That(email.Subject, Is.EqualTo("Pembayaran TTR-7K3M9Q"));
        Assert.That(email.Text, Does.Contain("Halo Maria Tangdilintin, BIB menyusul, start Sabtu, 12 Juni 2027 pukul 06.00 WITA.")
            .And.Contain("Kode pembayaran: TTR-7K3M9Q").And.Contain("Pendaftaran Anda: https://register.test/status/abc"));
    }

    [Test]
    public void Writing_a_message_leaves_the_callers_culture_as_it_was()
    {
        var (culture, uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);

        Render(EmailKind.PaymentConfirmed, "id");

        Assert.That((CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture), Is.EqualTo((culture, uiCulture)));
    }

    /// <summary>The built-in texts' fixed wording in a language: the parts between placeholders of three words or more.</summary>
    private static IEnumerable<string> Sentences(CultureInfo culture) =>
        EmailText.Resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false)!.Cast<DictionaryEntry>()
            .SelectMany(entry => Placeholder().Split((string)entry.Value!))
            .Select(part => part.Trim(' ', ',', '.', ':', '(', ')'))
            .Where(part => part.Split(' ').Length >= 3)
            .Distinct();

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();
}
