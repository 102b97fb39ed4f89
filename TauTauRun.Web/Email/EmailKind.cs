namespace TauTauRun.Web.Email;

/// <summary>The kinds of message, as stored in <c>email_logs.kind</c> (the column's CHECK lists the same).</summary>
public static class EmailKind
{
    public const string RegistrationReceived = "REGISTRATION_RECEIVED";
    public const string PaymentConfirmed = "PAYMENT_CONFIRMED";
    public const string RegistrationCancelled = "REGISTRATION_CANCELLED";
    public const string RegistrationExpired = "REGISTRATION_EXPIRED";
    public const string WaitlistOffer = "WAITLIST_OFFER";
    public const string StatusLink = "STATUS_LINK";
    public const string WaitlistJoined = "WAITLIST_JOINED";
    public const string PaymentReminder = "PAYMENT_REMINDER";
    public const string PlaceTransferred = "PLACE_TRANSFERRED";
    public const string PlaceReceived = "PLACE_RECEIVED";
    public const string RaceChanged = "RACE_CHANGED";
    /// <summary>To the address a runner replaced, so a stolen link cannot quietly move their mail elsewhere.</summary>
    public const string EmailChanged = "EMAIL_CHANGED";

    /// <summary>
    /// Not stored: a group message's copy has no kind (migration 76). Names group messages where a kind
    /// is asked for (checking an organiser's placeholders, the preview); none links to the status page.
    /// </summary>
    public const string GroupMessage = "GROUP_MESSAGE";

    public static readonly IReadOnlyList<string> All =
        [RegistrationReceived, PaymentConfirmed, RegistrationCancelled, RegistrationExpired, WaitlistOffer, StatusLink, WaitlistJoined, PaymentReminder,
            PlaceTransferred, PlaceReceived, RaceChanged, EmailChanged];
}
