using Dapper;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// The dashboard: places per race, money expected and received, T-shirt sizes to order, how the mail
/// is doing, registrations per day, and the backups (the same checks as /health). Five small aggregate queries; nothing here changes data.
/// </summary>
public sealed class DashboardModel(NpgsqlDataSource dataSource, HealthCheckService health, EventSettingsStore settingsStore) : PageModel
{
    public AdminState Admin { get; private set; } = null!;
    public IReadOnlyList<RaceRow> Races { get; private set; } = [];
    public IReadOnlyList<MoneyRow> Money { get; private set; } = [];
    public IReadOnlyList<(string Size, long Count)> Shirts { get; private set; } = [];
    public IReadOnlyList<(string Status, long Count)> Emails { get; private set; } = [];
    public RegistrationChart Chart { get; private set; } = new([]);
    public IReadOnlyList<(string Check, HealthReportEntry Entry)> Backups { get; private set; } = [];

    private static readonly string HoldsPlace = ParticipantStatus.SqlList(ParticipantStatus.HoldsPlace);
    private static readonly string AwaitsPayment = ParticipantStatus.SqlList(ParticipantStatus.AwaitsPayment);

    public async Task OnGetAsync()
    {
        Admin = AdminSessions.Current(HttpContext)!;
        Backups = (await health.CheckHealthAsync(check => check.Name is "backups" or "wal_archive"))
            .Entries.Select(entry => (entry.Key, entry.Value)).ToList();
        await using var connection = await dataSource.OpenConnectionAsync();
        Races = await Registration.Races.ListAsync<RaceRow>(connection, $"""
            c.id, c.name, c.capacity,
            count(p.id) FILTER (WHERE p.payment_status IN {HoldsPlace}) AS registered,
            count(p.id) FILTER (WHERE p.payment_status = '{ParticipantStatus.Paid}') AS paid,
            count(p.id) FILTER (WHERE p.payment_status IN {AwaitsPayment}) AS pending,
            count(p.id) FILTER (WHERE p.payment_status = '{ParticipantStatus.Waitlisted}') AS waitlisted,
            count(p.id) FILTER (WHERE p.payment_status = '{ParticipantStatus.Pending}' AND p.email_confirmed_at IS NULL) AS unconfirmed,
            {Registration.Races.PlacesLeft} AS places_left
            """, "LEFT JOIN participants p ON p.category_id = c.id");
        Money = (await connection.QueryAsync<MoneyRow>($"""
            SELECT currency,
                   coalesce(sum(amount_due_minor) FILTER (WHERE payment_status IN {HoldsPlace}), 0)::bigint AS expected_minor,
                   coalesce(sum(amount_paid_minor) FILTER (WHERE payment_status = '{ParticipantStatus.Paid}'), 0)::bigint AS received_minor
            FROM participants GROUP BY currency ORDER BY currency
            """)).AsList();
        Shirts = (await connection.QueryAsync<(string, long)>($"""
            SELECT tshirt_size, count(*) FROM participants WHERE payment_status IN {HoldsPlace}
            GROUP BY tshirt_size
            ORDER BY array_position(ARRAY['XS', 'S', 'M', 'L', 'XL', 'XXL'], tshirt_size)
            """)).AsList();
        Emails = (await connection.QueryAsync<(string, long)>(
            "SELECT status, count(*) FROM email_logs GROUP BY status ORDER BY status")).AsList();
        // Days as the event's clock has them: a registration at 23:30 local time counts on that day, as admins see it.
        Chart = new RegistrationChart((await connection.QueryAsync<(DateTime, long)>("""
            WITH today AS (SELECT (now() AT TIME ZONE @zone)::date AS date)
            SELECT day, count(p.id)
            FROM today, generate_series((today.date - 59)::timestamp, today.date::timestamp, interval '1 day') AS day
            LEFT JOIN participants p ON p.created_at >= day AT TIME ZONE @zone AND p.created_at < (day + interval '1 day') AT TIME ZONE @zone
            GROUP BY day ORDER BY day
            """, new { zone = (await settingsStore.LoadAsync()).TimeZone })).AsList());
    }

    public sealed record RaceRow(long Id, string Name, int Capacity, long Registered, long Paid, long Pending, long Waitlisted, long Unconfirmed, long PlacesLeft);
    public sealed record MoneyRow(string Currency, long ExpectedMinor, long ReceivedMinor);

    /// <summary>Registrations per day as an SVG bar chart drawn on the server: no script, nothing external.</summary>
    public sealed record RegistrationChart(IReadOnlyList<(DateTime Day, long Count)> Days)
    {
        public const int Width = 600;
        public const int Height = 160;
        public long Max => Days.Count == 0 ? 0 : Days.Max(d => d.Count);
        public double BarWidth => Days.Count == 0 ? 0 : (double)Width / Days.Count;
        public double BarHeight(long count) => Max == 0 ? 0 : (Height - 20) * (double)count / Max;
    }
}
