namespace TauTauRun.Web.Data;

/// <summary>The event as stored in <c>event_settings</c>; times are UTC, shown in <see cref="TimeZone"/>.</summary>
public sealed record EventSettings
{
    public string Name { get; init; } = "Tau-Tau Run";
    public string Description { get; init; } = "";
    public DateTime StartsAt { get; init; } = new(2027, 5, 16, 6, 0, 0, DateTimeKind.Utc);
    public string TimeZone { get; init; } = "Europe/Amsterdam";
    public string Place { get; init; } = "City Park, main entrance";
    public string BankAccountHolder { get; init; } = "Tau-Tau Run Foundation";
    public string BankIban { get; init; } = "NL91ABNA0417164300";
    public string BankBic { get; init; } = "ABNANL2A";
    public string BankName { get; init; } = "";
    public DateTime RegistrationOpensAt { get; init; } = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
    public DateTime RegistrationClosesAt { get; init; } = new(2027, 5, 10, 22, 0, 0, DateTimeKind.Utc);
    public int PaymentDeadlineDays { get; init; } = 7;
    /// <summary>Days before the payment deadline a pending runner is reminded once; 0: no reminders.</summary>
    public int PaymentReminderDays { get; init; }
    public DateTime EditDeadline { get; init; } = new(2027, 5, 1, 22, 0, 0, DateTimeKind.Utc);
    public int WaitlistOfferHours { get; init; } = 48;
    /// <summary>Until when runners may hand their place on or change race on their status page (admins may at any time).</summary>
    public DateTime TransferDeadline { get; init; } = new(2027, 5, 1, 22, 0, 0, DateTimeKind.Utc);
    /// <summary>A transferred place keeps its bib; otherwise the new runner gets the next one in the race's range.</summary>
    public bool TransferKeepsBib { get; init; } = true;
    /// <summary>Hours a new registration holds its place before the runner must have opened the emailed link.</summary>
    public int EmailConfirmHours { get; init; } = 24;
    public string WaiverText { get; init; } =
        "I take part at my own risk, I am fit to run the distance I chose, and I agree that my registration data is processed to organise the event.";
    public string WaiverVersion { get; init; } = "2026-1";
    /// <summary>Where runners' replies go (every email's Reply-To); empty: to SMTP_FROM.</summary>
    public string ReplyTo { get; init; } = "";
    /// <summary>Days after the race start from which the runners' personal data may be erased (an admin confirms it).</summary>
    public int ErasePersonalDataDays { get; init; } = 90;

    /// <summary>The same settings with every time in UTC, as timestamptz columns require.</summary>
    public EventSettings InUtc() => this with
    {
        StartsAt = StartsAt.ToUniversalTime(),
        RegistrationOpensAt = RegistrationOpensAt.ToUniversalTime(),
        RegistrationClosesAt = RegistrationClosesAt.ToUniversalTime(),
        EditDeadline = EditDeadline.ToUniversalTime(),
        TransferDeadline = TransferDeadline.ToUniversalTime(),
    };

    /// <summary>From when the runners' personal data may be erased (<see cref="ErasePersonalDataDays"/> after the start).</summary>
    public DateTime ErasableFrom => StartsAt.AddDays(ErasePersonalDataDays);

    // FindSystemTimeZoneById takes a process-wide lock on every call, and every page shows event times.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TimeZoneInfo> Zones = new();
    public TimeZoneInfo Zone => Zones.GetOrAdd(TimeZone, TimeZoneInfo.FindSystemTimeZoneById);
    public DateTime Local(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(utc, Zone);
}
