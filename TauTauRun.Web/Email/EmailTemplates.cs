using TauTauRun.Web.Data;

namespace TauTauRun.Web.Email;

/// <summary>What the templates need to know about a runner, loaded with the message's transaction.</summary>
public sealed record RunnerDetails(
    string Email, string FullName, string Reference, string CategoryName, long AmountDueMinor, string Currency,
    int? Bib, DateTime PendingSince, DateTime? OfferExpiresAt, bool EmailConfirmed, long? AmountPaidMinor = null);

/// <summary>
/// The text of every message a runner gets. The event's name, date, place and bank details come from
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
        var body = new EmailBody()
            .Paragraph($"Hello {runner.FullName},")
            .Paragraph($"we have your registration for the {runner.CategoryName} at {settings.Name} on {When(settings, settings.StartsAt)}, {settings.Place}. Your place is held until {When(settings, deadline)}: please pay by bank transfer before then.")
            .Facts(PaymentFacts(settings, runner))
            .Paragraph("Please use the payment reference exactly as shown, so we can match your payment. You will get your bib number by email once the payment has arrived.")
            .Link("Your registration (status, details, cancellation)", statusUrl);
        if (!runner.EmailConfirmed)
            body.Paragraph($"Please open this link by {When(settings, runner.PendingSince.AddHours(settings.EmailConfirmHours))} to confirm your email address: without the confirmation the place goes to the next runner.");
        return body
            .Paragraph("Keep this link to yourself: anyone who has it can see and change your registration.")
            .Build($"Registration received: {runner.Reference} – {settings.Name}", settings.Name);
    }

    private static RenderedEmail PaymentReminder(EventSettings settings, RunnerDetails runner) =>
        new EmailBody()
            .Paragraph($"Hello {runner.FullName},")
            .Paragraph($"we have not received the payment for your registration {runner.Reference} ({runner.CategoryName}) at {settings.Name} yet. Your place is held until {When(settings, runner.PendingSince.AddDays(settings.PaymentDeadlineDays))}: please pay by bank transfer before then.")
            .Facts(PaymentFacts(settings, runner))
            .Paragraph("If you paid in the last few days, thank you: the payment may still be on its way and you need do nothing.")
            .Build($"Reminder: payment for {runner.Reference} – {settings.Name}", settings.Name);

    // A free entry (a coupon) is paid as it registers: its confirmation is the runner's first message, so it carries the status link.
    private static RenderedEmail PaymentConfirmed(EventSettings settings, RunnerDetails runner, string? statusUrl)
    {
        var body = new EmailBody()
            .Paragraph($"Hello {runner.FullName},")
            .Paragraph(runner.AmountDueMinor == 0
                ? $"your entry is free: you are registered for the {runner.CategoryName} at {settings.Name}."
                : $"your payment has arrived: you are registered for the {runner.CategoryName} at {settings.Name}.")
            .Facts(("Bib number", runner.Bib?.ToString() ?? "to be assigned"), ("Registration", runner.Reference),
                ("Race", runner.CategoryName), ("Price", Money.Format(runner.AmountDueMinor, runner.Currency)),
                ("Start", When(settings, settings.StartsAt)), ("Place", settings.Place))
            .Paragraph("At the bib pickup, show this code (or say your registration reference):")
            .QrCode(runner.Reference);
        if (statusUrl is not null)
            body = body.Link("Your registration (status, details, cancellation)", statusUrl)
                .Paragraph("Keep this link to yourself: anyone who has it can see and change your registration.");
        return body.Paragraph("See you at the start!")
            .Build($"Payment confirmed – your bib is {runner.Bib} – {settings.Name}", settings.Name);
    }

    private static RenderedEmail RegistrationCancelled(EventSettings settings, RunnerDetails runner) =>
        new EmailBody()
            .Paragraph($"Hello {runner.FullName},")
            .Paragraph($"your registration {runner.Reference} for the {runner.CategoryName} at {settings.Name} has been cancelled, and your place has been given back.")
            .Paragraph("If this is a mistake, or you already paid, please reply to this email.")
            .Build($"Registration cancelled: {runner.Reference} – {settings.Name}", settings.Name);

    private static RenderedEmail RegistrationExpired(EventSettings settings, RunnerDetails runner) =>
        new EmailBody()
            .Paragraph($"Hello {runner.FullName},")
            .Paragraph(runner.EmailConfirmed
                ? $"we did not receive the payment for your registration {runner.Reference} ({runner.CategoryName}) within {settings.PaymentDeadlineDays} days, so the place has been released."
                : $"the link in the email about your registration {runner.Reference} ({runner.CategoryName}) was not opened within {settings.EmailConfirmHours} hours, so the email address is not confirmed and the place has been released.")
            .Paragraph("If you paid in the last few days, please reply to this email with the date of your transfer and we will sort it out. You are welcome to register again while places are available.")
            .Build($"Registration expired: {runner.Reference} – {settings.Name}", settings.Name);

    private static RenderedEmail WaitlistOffer(EventSettings settings, RunnerDetails runner, string statusUrl) =>
        new EmailBody()
            .Paragraph($"Hello {runner.FullName},")
            .Paragraph($"a place in the {runner.CategoryName} at {settings.Name} has become free and it is yours if you accept it before {When(settings, runner.OfferExpiresAt ?? runner.PendingSince)}.")
            .Link("Accept or decline the place", statusUrl)
            .Facts(PaymentFacts(settings, runner))
            .Paragraph("After accepting, please pay by bank transfer with the payment reference shown. If you do not accept in time, the place goes to the next runner on the waiting list.")
            .Build($"A place is free for you – {settings.Name}", settings.Name);

    private static RenderedEmail StatusLink(EventSettings settings, RunnerDetails runner, string statusUrl) =>
        new EmailBody()
            .Paragraph($"Hello {runner.FullName},")
            .Paragraph($"here is the link to your registration {runner.Reference} ({runner.CategoryName}) at {settings.Name}. Once you open it, links sent before this one no longer work.")
            .Link("Your registration", statusUrl)
            .Paragraph("If you did not ask for this email, you can ignore it.")
            .Build($"Your registration link – {settings.Name}", settings.Name);

    private static RenderedEmail WaitlistJoined(EventSettings settings, RunnerDetails runner, string statusUrl) =>
        new EmailBody()
            .Paragraph($"Hello {runner.FullName},")
            .Paragraph($"the {runner.CategoryName} at {settings.Name} is full, and you are on its waiting list (reference {runner.Reference}). Nothing to pay now.")
            .Paragraph($"When a place frees up, the first runner on the list gets an email and {settings.WaitlistOfferHours} hours to accept it.")
            .Link("Your place on the waiting list", statusUrl)
            .Build($"You are on the waiting list – {settings.Name}", settings.Name);

    private static RenderedEmail PlaceTransferred(EventSettings settings, RunnerDetails runner) =>
        new EmailBody()
            .Paragraph($"Hello {runner.FullName},")
            .Paragraph($"your place {runner.Reference} in the {runner.CategoryName} at {settings.Name} has been handed on to another runner, who now has their own link to it. Your link no longer works.")
            .Paragraph("If you did not ask for this, please reply to this email at once.")
            .Build($"Your place has been handed on: {runner.Reference} – {settings.Name}", settings.Name);

    private static RenderedEmail PlaceReceived(EventSettings settings, RunnerDetails runner, string statusUrl)
    {
        var email = new EmailBody()
            .Paragraph($"Hello {runner.FullName},")
            .Paragraph($"a place in the {runner.CategoryName} at {settings.Name} on {When(settings, settings.StartsAt)}, {settings.Place}, has been handed on to you (registration {runner.Reference}).");
        email = runner.AmountPaidMinor is null
            ? email.Paragraph("The place is not paid yet: please pay by bank transfer with the payment reference below.").Facts(PaymentFacts(settings, runner))
            : email.Facts(("Bib number", runner.Bib?.ToString() ?? "to be assigned"), ("Registration", runner.Reference), ("Race", runner.CategoryName));
        return email
            .Link("Your registration (status, details, cancellation)", statusUrl)
            .Paragraph("Keep this link to yourself: anyone who has it can see and change your registration.")
            .Build($"A place is yours: {runner.Reference} – {settings.Name}", settings.Name);
    }

    private static RenderedEmail RaceChanged(EventSettings settings, RunnerDetails runner)
    {
        var email = new EmailBody()
            .Paragraph($"Hello {runner.FullName},")
            .Paragraph($"your registration {runner.Reference} at {settings.Name} is now for the {runner.CategoryName}.");
        var balance = runner.AmountDueMinor - (runner.AmountPaidMinor ?? 0);
        email = runner.AmountPaidMinor is null
            ? email.Paragraph("The amount to pay is the new race's price:").Facts(PaymentFacts(settings, runner))
            : balance > 0
                ? email.Paragraph($"The new race costs {Money.Format(balance, runner.Currency)} more than you paid: please transfer the difference with your payment reference.")
                    .Facts(PaymentFacts(settings, runner with { AmountDueMinor = balance }))
                : balance < 0
                    ? email.Paragraph($"The new race costs {Money.Format(-balance, runner.Currency)} less than you paid: we will refund the difference.")
                    : email;
        if (runner.Bib is { } bib)
            email = email.Facts(("Bib number", bib.ToString()), ("Race", runner.CategoryName));
        return email.Build($"Race changed: {runner.Reference} – {settings.Name}", settings.Name);
    }

    // Goes to the old address: it names neither address, and its only link is the organisers' reply.
    private static RenderedEmail EmailChanged(EventSettings settings, RunnerDetails runner) =>
        new EmailBody()
            .Paragraph($"Hello {runner.FullName},")
            .Paragraph($"the email address of your registration {runner.Reference} ({runner.CategoryName}) at {settings.Name} has just been changed on your registration page. From now on, messages about it go to the new address.")
            .Paragraph("If you did not make this change, please reply to this email at once: someone else may have your registration link.")
            .Build($"Your registration's email address was changed – {settings.Name}", settings.Name);

    internal static (string, string)[] PaymentFacts(EventSettings settings, RunnerDetails runner) =>
    [
        ("Amount", Money.Format(runner.AmountDueMinor, runner.Currency)),
        ("Payment reference", runner.Reference),
        ("Account holder", settings.BankAccountHolder),
        ("IBAN", settings.BankIban),
        ("BIC", settings.BankBic),
    ];

    internal static string When(EventSettings settings, DateTime utc) =>
        settings.Local(utc).ToString("dddd d MMMM yyyy, HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Kinds whose message links to the runner's status page (their callers pass a fresh token).</summary>
    public static bool LinksToStatusPage(string kind) =>
        kind is EmailKind.RegistrationReceived or EmailKind.WaitlistOffer or EmailKind.StatusLink or EmailKind.WaitlistJoined
            or EmailKind.PlaceReceived;

    private static string Required(string? statusUrl, string kind) =>
        statusUrl ?? throw new ArgumentException($"{kind} needs the runner's status link", nameof(statusUrl));
}
