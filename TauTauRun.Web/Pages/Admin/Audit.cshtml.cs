using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// The audit log, read-only, newest first, with filters. Paging is by id (keyset), so a page deep in a
/// long history costs the same as the first; times are UTC, as stored.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class AuditModel(NpgsqlDataSource dataSource) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public Filters Filter { get; set; } = new();
    public IReadOnlyList<Entry> Entries { get; private set; } = [];
    public IReadOnlyList<string> Actions { get; private set; } = [];
    /// <summary>Where the next page starts, when there is one.</summary>
    public long? OlderThan { get; private set; }

    public async Task OnGetAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        Actions = (await connection.QueryAsync<string>("SELECT DISTINCT action FROM audit_log ORDER BY action")).AsList();
        if (!ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        var rows = (await connection.QueryAsync<Entry>("""
            SELECT id, occurred_at, actor, action, participant_id, host(ip) AS ip, details::text AS details
            FROM audit_log
            WHERE (@Action::text IS NULL OR action = @Action)
              AND (@Actor::text IS NULL OR strpos(lower(actor), lower(@Actor)) > 0)
              AND (@From::timestamptz IS NULL OR occurred_at >= @From)
              AND (@To::timestamptz IS NULL OR occurred_at < @To + interval '1 day')
              AND (@ParticipantId::bigint IS NULL OR participant_id = @ParticipantId)
              AND (@Before::bigint IS NULL OR id < @Before)
            ORDER BY id DESC
            LIMIT @Limit
            """, new
        {
            Action = Blank(Filter.Action), Actor = Blank(Filter.Actor), From = Utc(Filter.From), To = Utc(Filter.To),
            Filter.ParticipantId, Filter.Before, Limit = PageSize + 1,
        })).AsList();
        OlderThan = rows.Count > PageSize ? rows[PageSize - 1].Id : null;
        Entries = rows.Take(PageSize).ToList();
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static DateTime? Utc(DateOnly? date) => date?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    public sealed record Entry(long Id, DateTime OccurredAt, string Actor, string Action, long? ParticipantId, string? Ip, string Details);

    public sealed record Filters
    {
        public string? Action { get; init; }
        [StringLength(100)] public string? Actor { get; init; }
        [Display(Name = "From (UTC)")] public DateOnly? From { get; init; }
        [Display(Name = "To (UTC)")] public DateOnly? To { get; init; }
        [Display(Name = "Participant id"), Range(1, long.MaxValue)] public long? ParticipantId { get; init; }
        [Range(1, long.MaxValue)] public long? Before { get; init; }

        public Dictionary<string, string> RouteValues(long? before) => new Dictionary<string, string?>
        {
            ["Filter.Action"] = Action, ["Filter.Actor"] = Actor, ["Filter.From"] = From?.ToString("yyyy-MM-dd"),
            ["Filter.To"] = To?.ToString("yyyy-MM-dd"), ["Filter.ParticipantId"] = ParticipantId?.ToString(),
            ["Filter.Before"] = before?.ToString(),
        }.Where(pair => !string.IsNullOrEmpty(pair.Value)).ToDictionary(pair => pair.Key, pair => pair.Value!);
    }
}
