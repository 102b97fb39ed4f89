using TauTauRun.Web.Data;

namespace TauTauRun.Web.Registration;

/// <summary>
/// A participant as read by pages and exports: the columns of <c>participants</c> (snake_case in SQL)
/// plus a few joined values. Each query selects what it shows; what it leaves out keeps its default.
/// </summary>
public sealed class ParticipantRow
{
    public long Id { get; init; }
    public string Reference { get; init; } = "";
    public string PaymentStatus { get; init; } = "";
    public string FullName { get; init; } = "";
    public string Email { get; init; } = "";
    public string Phone { get; init; } = "";
    public DateOnly DateOfBirth { get; init; }
    public string Gender { get; init; } = "";
    public string TshirtSize { get; init; } = "";
    public string EmergencyContactName { get; init; } = "";
    public string EmergencyContactPhone { get; init; } = "";
    public string MedicalNotes { get; init; } = "";
    public string Club { get; init; } = "";
    public long AmountDueMinor { get; init; }
    public string Currency { get; init; } = "";
    public long? AmountPaidMinor { get; init; }
    public string? PaymentMethod { get; init; }
    public string? PaymentBankReference { get; init; }
    public DateOnly? PaidOn { get; init; }
    public DateTime? PaymentRecordedAt { get; init; }
    public int? Bib { get; init; }
    public DateTime? OfferExpiresAt { get; init; }
    public string WaiverVersion { get; init; } = "";
    public DateTime WaiverAcceptedAt { get; init; }
    public string? GuardianName { get; init; }
    public string? GuardianPhone { get; init; }
    public DateTime? GuardianConsentAt { get; init; }
    public string? GuardianWaiverVersion { get; init; }
    public string InternalNotes { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public DateTime StatusChangedAt { get; init; }
    /// <summary>When the runner opened an emailed link or paid; a place held without it is released after a while.</summary>
    public DateTime? EmailConfirmedAt { get; init; }
    /// <summary>When the runner's personal data was erased (<see cref="PersonalDataErasure"/>); null: not erased.</summary>
    public DateTime? ErasedAt { get; init; }
    /// <summary>The language every email to the runner is written in (a two-letter code).</summary>
    public string Language { get; init; } = "";

    /// <summary>Joined: the race's name (<c>c.name AS category_name</c>).</summary>
    public string CategoryName { get; init; } = "";
    /// <summary>Joined: the race's minimum age on race day.</summary>
    public int MinimumAge { get; init; }
    /// <summary>Joined: the username of the admin who recorded the payment.</summary>
    public string? RecordedBy { get; init; }
    /// <summary>Computed for a waiting runner: their number in line.</summary>
    public long? WaitlistPosition { get; init; }

    public string AmountDue => Money.Format(AmountDueMinor, Currency);
}
