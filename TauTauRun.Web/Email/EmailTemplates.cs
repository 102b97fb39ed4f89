using System.Globalization;
using TauTauRun.Web.Data;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Email;

/// <summary>What the templates need to know about a runner, loaded with the message's transaction; <see cref="Language"/> is the one they are written in.</summary>
public sealed record RunnerDetails(
    string Email, string FullName, string Reference, string CategoryName, long AmountDueMinor, string Currency,
    int? Bib, DateTime PendingSince, DateTime? OfferExpiresAt, bool EmailConfirmed, long? AmountPaidMinor = null,
    string Language = Languages.Default);

/// <summary>
/// The text of every message a runner gets, in the current UI culture's language (<see cref="EmailText"/>;
/// the outbox sets it to the runner's). The event's name, date, place and bank details come from
/// the settings; links to the runner's status page only when the caller has a fresh token for it.
/// </summary>
public static class EmailTemplates
{
    public static RenderedEmail Render(string kind, EventSettings settings, RunnerDetails runner, string? statusUrl) => kind switch
    {
        EmailKind.RegistrationReceived => RegistrationReceived(settings, runner, Required(statusUrl, kind)),
        EmailKind.PaymentConfirmed => PaymentConfirmed(settings, runner, statusUrl),
        EmailKind.RegistrationCancelled => RegistrationCancelled(settings, runner),
        EmailKind.RegistrationExpired => RegistrationExpired(settings, runner),
        EmailKind.WaitlistOffer => WaitlistOffer(settings, runner, Required(statusUrl, kind)),
        EmailKind.StatusLink => StatusLink(settings, runner, Required(statusUrl, kind)),
        EmailKind.PaymentReminder => PaymentReminder(settings, runner),
        EmailKind.WaitlistJoined => WaitlistJoined(settings, runner, Required(statusUrl, kind)),
        EmailKind.PlaceTransferred => PlaceTransferred(settings, runner),
        EmailKind.PlaceReceived => PlaceReceived(settings, runner, Required(statusUrl, kind)),
        EmailKind.RaceChanged => RaceChanged(settings, runner),
        EmailKind.EmailChanged => EmailChanged(settings, runner),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no template for this kind"),
    };

    private static RenderedEmail RegistrationReceived(EventSettings settings, RunnerDetails runner, string statusUrl)
    {
        var deadline = runner.PendingSince.AddDays(settings.PaymentDeadlineDays);
        var body = Greeting(runner)
            .Paragraph(T("RegistrationReceivedHeld", runner.CategoryName, settings.Name, When(settings, settings.StartsAt), settings.Place, When(settings, deadline)))
            .Facts(PaymentFacts(settings, runner))
            .Paragraph(T("RegistrationReceivedUseReference"))
            .Link(T("LinkRegistration"), statusUrl);
        if (!runner.EmailConfirmed)
            body.Paragraph(T("RegistrationReceivedConfirm", When(settings, runner.PendingSince.AddHours(settings.EmailConfirmHours))));
        return body
            .Paragraph(T("KeepLinkPrivate"))
            .Build(T("RegistrationReceivedSubject", runner.Reference, settings.Name), settings.Name);
    }

    private static RenderedEmail PaymentReminder(EventSettings settings, RunnerDetails runner) =>
        Greeting(runner)
            .Paragraph(T("PaymentReminderNotReceived", runner.Reference, runner.CategoryName, settings.Name,
                When(settings, runner.PendingSince.AddDays(settings.PaymentDeadlineDays))))
            .Facts(PaymentFacts(settings, runner))
            .Paragraph(T("PaymentReminderPaidRecently"))
            .Build(T("PaymentReminderSubject", runner.Reference, settings.Name), settings.Name);

    // A free entry (a coupon) is paid as it registers: its confirmation is the runner's first message, so it carries the status link.
    private static RenderedEmail PaymentConfirmed(EventSettings settings, RunnerDetails runner, string? statusUrl)
    {
        var body = Greeting(runner)
            .Paragraph(T(runner.AmountDueMinor == 0 ? "PaymentConfirmedFree" : "PaymentConfirmedArrived", runner.CategoryName, settings.Name))
            .Facts((T("FactBib"), Bib(runner)), (T("FactRegistration"), runner.Reference),
                (T("FactRace"), runner.CategoryName), (T("FactPrice"), Money.Format(runner.AmountDueMinor, runner.Currency)),
                (T("FactStart"), When(settings, settings.StartsAt)), (T("FactPlace"), settings.Place))
            .Paragraph(T("PaymentConfirmedShowCode"))
            .QrCode(runner.Reference);
        if (statusUrl is not null)
            body = body.Link(T("LinkRegistration"), statusUrl)
                .Paragraph(T("KeepLinkPrivate"));
        return body.Paragraph(T("PaymentConfirmedSeeYou"))
            .Build(T("PaymentConfirmedSubject", runner.Bib?.ToString(CultureInfo.InvariantCulture), settings.Name), settings.Name);
    }

    private static RenderedEmail RegistrationCancelled(EventSettings settings, RunnerDetails runner) =>
        Greeting(runner)
            .Paragraph(T("RegistrationCancelledBody", runner.Reference, runner.CategoryName, settings.Name))
            .Paragraph(T("RegistrationCancelledMistake"))
            .Build(T("RegistrationCancelledSubject", runner.Reference, settings.Name), settings.Name);

    private static RenderedEmail RegistrationExpired(EventSettings settings, RunnerDetails runner) =>
        Greeting(runner)
            .Paragraph(runner.EmailConfirmed
                ? T("RegistrationExpiredNotPaid", runner.Reference, runner.CategoryName, settings.PaymentDeadlineDays)
                : T("RegistrationExpiredNotConfirmed", runner.Reference, runner.CategoryName, settings.EmailConfirmHours))
            .Paragraph(T("RegistrationExpiredPaidRecently"))
            .Build(T("RegistrationExpiredSubject", runner.Reference, settings.Name), settings.Name);

    private static RenderedEmail WaitlistOffer(EventSettings settings, RunnerDetails runner, string statusUrl) =>
        Greeting(runner)
            .Paragraph(T("WaitlistOfferBody", runner.CategoryName, settings.Name, When(settings, runner.OfferExpiresAt ?? runner.PendingSince)))
            .Link(T("WaitlistOfferLink"), statusUrl)
            .Facts(PaymentFacts(settings, runner))
            .Paragraph(T("WaitlistOfferAfter"))
            .Build(T("WaitlistOfferSubject", settings.Name), settings.Name);

    private static RenderedEmail StatusLink(EventSettings settings, RunnerDetails runner, string statusUrl) =>
        Greeting(runner)
            .Paragraph(T("StatusLinkBody", runner.Reference, runner.CategoryName, settings.Name))
            .Link(T("LinkRegistrationShort"), statusUrl)
            .Paragraph(T("StatusLinkIgnore"))
            .Build(T("StatusLinkSubject", settings.Name), settings.Name);

    private static RenderedEmail WaitlistJoined(EventSettings settings, RunnerDetails runner, string statusUrl) =>
        Greeting(runner)
            .Paragraph(T("WaitlistJoinedFull", runner.CategoryName, settings.Name, runner.Reference))
            .Paragraph(T("WaitlistJoinedHowOffers", settings.WaitlistOfferHours))
            .Link(T("WaitlistJoinedLink"), statusUrl)
            .Build(T("WaitlistJoinedSubject", settings.Name), settings.Name);

    private static RenderedEmail PlaceTransferred(EventSettings settings, RunnerDetails runner) =>
        Greeting(runner)
            .Paragraph(T("PlaceTransferredBody", runner.Reference, runner.CategoryName, settings.Name))
            .Paragraph(T("PlaceTransferredNotYou"))
            .Build(T("PlaceTransferredSubject", runner.Reference, settings.Name), settings.Name);

    private static RenderedEmail PlaceReceived(EventSettings settings, RunnerDetails runner, string statusUrl)
    {
        var email = Greeting(runner)
            .Paragraph(T("PlaceReceivedBody", runner.CategoryName, settings.Name, When(settings, settings.StartsAt), settings.Place, runner.Reference));
        email = runner.AmountPaidMinor is null
            ? email.Paragraph(T("PlaceReceivedNotPaid")).Facts(PaymentFacts(settings, runner))
            : email.Facts((T("FactBib"), Bib(runner)), (T("FactRegistration"), runner.Reference), (T("FactRace"), runner.CategoryName));
        return email
            .Link(T("LinkRegistration"), statusUrl)
            .Paragraph(T("KeepLinkPrivate"))
            .Build(T("PlaceReceivedSubject", runner.Reference, settings.Name), settings.Name);
    }

    private static RenderedEmail RaceChanged(EventSettings settings, RunnerDetails runner)
    {
        var email = Greeting(runner)
            .Paragraph(T("RaceChangedBody", runner.Reference, settings.Name, runner.CategoryName));
        var balance = runner.AmountDueMinor - (runner.AmountPaidMinor ?? 0);
        email = runner.AmountPaidMinor is null
            ? email.Paragraph(T("RaceChangedNewPrice")).Facts(PaymentFacts(settings, runner))
            : balance > 0
                ? email.Paragraph(T("RaceChangedPayMore", Money.Format(balance, runner.Currency)))
                    .Facts(PaymentFacts(settings, runner with { AmountDueMinor = balance }))
                : balance < 0
                    ? email.Paragraph(T("RaceChangedRefund", Money.Format(-balance, runner.Currency)))
                    : email;
        if (runner.Bib is { } bib)
            email = email.Facts((T("FactBib"), bib.ToString(CultureInfo.InvariantCulture)), (T("FactRace"), runner.CategoryName));
        return email.Build(T("RaceChangedSubject", runner.Reference, settings.Name), settings.Name);
    }

    // Goes to the old address: it names neither address, and its only link is the organisers' reply.
    private static RenderedEmail EmailChanged(EventSettings settings, RunnerDetails runner) =>
        Greeting(runner)
            .Paragraph(T("EmailChangedBody", runner.Reference, runner.CategoryName, settings.Name))
            .Paragraph(T("EmailChangedNotYou"))
            .Build(T("EmailChangedSubject", settings.Name), settings.Name);

    private static EmailBody Greeting(RunnerDetails runner) => new EmailBody().Paragraph(T("Greeting", runner.FullName));

    private static string T(string key, params object?[] values) => EmailText.Get(key, values);

    /// <summary>The bib, or that it comes once the payment has arrived.</summary>
    internal static string Bib(RunnerDetails runner) => runner.Bib?.ToString(CultureInfo.InvariantCulture) ?? T("BibToBeAssigned");

    /// <summary>Amount, reference and the bank details the organiser gave (a domestic account may have no BIC, a bank's name is optional).</summary>
    internal static (string, string)[] PaymentFacts(EventSettings settings, RunnerDetails runner) =>
    [
        (T("FactAmount"), Money.Format(runner.AmountDueMinor, runner.Currency)),
        (T("FactPaymentReference"), runner.Reference),
        .. new[]
        {
            (T("FactAccountHolder"), settings.BankAccountHolder), (T("FactBank"), settings.BankName),
            (T("FactIban"), settings.BankIban), (T("FactBic"), settings.BankBic),
        }.Where(fact => fact.Item2.Length > 0),
    ];

    /// <summary>
    /// A moment in the event's time zone, in the language's own pattern (<c>DateTimeFormat</c>), with the
    /// zone's abbreviation where it has an official one that readers know: Indonesia's three.
    /// </summary>
    internal static string When(EventSettings settings, DateTime utc)
    {
        var local = settings.Local(utc).ToString(T("DateTimeFormat"), CultureInfo.CurrentCulture);
        return ZoneAbbreviations.TryGetValue(settings.TimeZone, out var abbreviation) ? $"{local} {abbreviation}" : local;
    }

    // Fixed by law (WIB, WITA, WIT) and used in Indonesian and English alike; other zones' abbreviations
    // are ambiguous (CST) or unknown to their readers, so a time there stands without one.
    private static readonly Dictionary<string, string> ZoneAbbreviations = new()
    {
        ["Asia/Jakarta"] = "WIB", ["Asia/Pontianak"] = "WIB", ["Asia/Makassar"] = "WITA", ["Asia/Jayapura"] = "WIT",
    };

    /// <summary>Kinds whose message links to the runner's status page (their callers pass a fresh token).</summary>
    public static bool LinksToStatusPage(string kind) =>
        kind is EmailKind.RegistrationReceived or EmailKind.WaitlistOffer or EmailKind.StatusLink or EmailKind.WaitlistJoined
            or EmailKind.PlaceReceived;

    private static string Required(string? statusUrl, string kind) =>
        statusUrl ?? throw new ArgumentException($"{kind} needs the runner's status link", nameof(statusUrl));
}
