using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Email;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// One email kind in the organiser's words: every save, restore or return to the built-in text is a
/// new version with an audit row. Unknown or broken placeholders are refused before anything is
/// stored. Each language has its own versions (<see cref="EmailTemplateStore"/>); the page edits one,
/// English unless the address names another. The preview shows the current version with a made-up runner.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class EmailTemplateModel(NpgsqlDataSource dataSource) : PageModel
{
    [BindProperty] public TemplateForm Form { get; set; } = new();
    public string Kind { get; private set; } = "";
    public string Language { get; private set; } = Languages.Default;
    public IReadOnlyList<VersionRow> Versions { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string kind, string language)
    {
        if (!Known(kind, language))
            return NotFound();
        await using var connection = await dataSource.OpenConnectionAsync();
        var current = await EmailTemplateStore.CurrentAsync(connection, Kind, Language);
        Form = new TemplateForm { Subject = current?.Subject, Body = current?.Body };
        Versions = await VersionsAsync(connection);
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(string kind, string language)
    {
        if (!Known(kind, language))
            return NotFound();
        var wording = new OrganiserTemplate(Form.Subject?.Trim() ?? "", Form.Body?.Trim() ?? "");
        if (ModelState.IsValid)
            foreach (var problem in wording.Problems(Kind))
                ModelState.AddModelError("", problem);
        if (!ModelState.IsValid)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            Versions = await VersionsAsync(connection);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        return await AddVersionAsync("email_template.saved", wording.Subject, wording.Body, restoredFrom: null);
    }

    public async Task<IActionResult> OnPostRestoreAsync(string kind, string language, int version)
    {
        if (!Known(kind, language))
            return NotFound();
        await using var connection = await dataSource.OpenConnectionAsync();
        var old = await connection.QuerySingleOrDefaultAsync<StoredVersion>(
            "SELECT subject, body FROM email_templates WHERE kind = @Kind AND language = @Language AND version = @version",
            new { Kind, Language, version });
        return old is null ? NotFound() : await AddVersionAsync("email_template.restored", old.Subject, old.Body, restoredFrom: version);
    }

    /// <summary>Back to the built-in text: a version without subject and body.</summary>
    public async Task<IActionResult> OnPostDefaultAsync(string kind, string language) =>
        Known(kind, language) ? await AddVersionAsync("email_template.reset", null, null, restoredFrom: null) : NotFound();

    private async Task<IActionResult> AddVersionAsync(string action, string? subject, string? body, int? restoredFrom)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // The kind's newest row is locked, so two saves at once make two numbered versions, not an error.
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext('email_templates:' || @Kind || ':' || @Language))", new { Kind, Language }, transaction);
        var actor = AuditActor.Of(HttpContext);
        var version = await connection.ExecuteScalarAsync<int>("""
            INSERT INTO email_templates (kind, language, version, subject, body, saved_by)
            SELECT @Kind, @Language, coalesce(max(version), 0) + 1, @subject, @body, @by
            FROM email_templates WHERE kind = @Kind AND language = @Language
            RETURNING version
            """, new { Kind, Language, subject, body, by = actor.Name }, transaction);
        await AuditLog.WriteAsync(transaction, actor, action,
            new { kind = Kind, language = Language, version, restored_from = restoredFrom, subject, body });
        await transaction.CommitAsync();
        TempData["Message"] = action switch
        {
            "email_template.restored" => $"Version {restoredFrom} is back, as version {version}.",
            "email_template.reset" => $"Back to the built-in text (version {version}).",
            _ => $"Saved as version {version}: the next {Kind} email to a runner who reads {LanguageName} uses it.",
        };
        return RedirectToPage(new { kind = Kind, language = Language });
    }

    public string LanguageName => Languages.Supported.First(l => l.Code == Language).Name;

    private bool Known(string kind, string language)
    {
        Kind = EmailKind.All.FirstOrDefault(k => string.Equals(k, kind, StringComparison.OrdinalIgnoreCase)) ?? "";
        Language = language;
        return Kind.Length > 0 && Languages.IsSupported(language);
    }

    private async Task<IReadOnlyList<VersionRow>> VersionsAsync(NpgsqlConnection connection) => (await connection.QueryAsync<VersionRow>("""
        SELECT version, subject, saved_at AS SavedAt, saved_by AS SavedBy FROM email_templates
        WHERE kind = @Kind AND language = @Language ORDER BY version DESC
        """, new { Kind, Language })).AsList();

    private sealed record StoredVersion(string? Subject, string? Body);

    public sealed record VersionRow(int Version, string? Subject, DateTime SavedAt, string SavedBy);

    public sealed record TemplateForm
    {
        [Required(ErrorMessage = "Enter the subject.")]
        [StringLength(200, ErrorMessage = "Keep the subject to 200 characters.")]
        public string? Subject { get; init; }

        [Required(ErrorMessage = "Enter the text of the email.")]
        [StringLength(10000, ErrorMessage = "Keep the text to 10000 characters.")]
        public string? Body { get; init; }
    }
}
