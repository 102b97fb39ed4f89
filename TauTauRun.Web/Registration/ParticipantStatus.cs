using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Registration;

/// <summary>
/// <c>participants.payment_status</c>, the registration's whole lifecycle (migration 4's CHECK lists the
/// same values), and the sets the rules speak of. SQL gets a set as a constant list
/// (<see cref="SqlList"/>), so the planner still sees literals and can use the partial indexes.
/// </summary>
public static class ParticipantStatus
{
    public const string Pending = "PENDING";
    public const string Paid = "PAID";
    public const string Waitlisted = "WAITLISTED";
    public const string Offered = "OFFERED";
    public const string Cancelled = "CANCELLED";
    public const string Expired = "EXPIRED";
    public const string Refunded = "REFUNDED";

    public static readonly IReadOnlyList<string> All = [Pending, Paid, Waitlisted, Offered, Cancelled, Expired, Refunded];

    /// <summary>Holds a place (a slot): registered, paid, or offered one from the waiting list.</summary>
    public static readonly IReadOnlyList<string> HoldsPlace = [Pending, Paid, Offered];

    /// <summary>Still in the race: holding a place or waiting for one. The runner may edit and cancel.</summary>
    public static readonly IReadOnlyList<string> Active = [Pending, Paid, Waitlisted, Offered];

    /// <summary>Gave the place back; the address may register again.</summary>
    public static readonly IReadOnlyList<string> Final = [Cancelled, Expired, Refunded];

    /// <summary>Holds a place that is not paid yet: an admin can mark it paid.</summary>
    public static readonly IReadOnlyList<string> AwaitsPayment = [Pending, Offered];

    /// <summary>Holds a place of their own that may be handed on or moved to another race.</summary>
    public static readonly IReadOnlyList<string> Transferable = [Pending, Paid];

    public static bool IsIn(this string status, IReadOnlyList<string> set) => set.Contains(status);

    /// <summary>A status in words, in the current language ("awaiting payment", "menunggu pembayaran").</summary>
    public static string Name(string status) => RunnerText.Get($"Status.{status}");

    /// <summary>A set as SQL, e.g. <c>('PENDING', 'PAID', 'OFFERED')</c>, for <c>payment_status IN …</c>.</summary>
    public static string SqlList(IReadOnlyList<string> set) => "(" + string.Join(", ", set.Select(s => $"'{s}'")) + ")";
}
