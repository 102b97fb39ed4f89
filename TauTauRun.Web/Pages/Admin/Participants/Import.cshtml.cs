using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Localization;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin.Participants;

/// <summary>
/// Paper entries imported from a CSV: all or nothing (<see cref="PaperEntries"/>). A file with any
/// problem imports nobody and lists every problem with its line.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
[RequestSizeLimit(PaperEntries.MaxBytes + 64 * 1024)]
public sealed class ImportModel(PaperEntries paperEntries) : PageModel
{
    public IReadOnlyList<PaperEntries.Problem> Problems { get; private set; } = [];

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(IFormFile? file, string language = Languages.Default)
    {
        if (!Languages.IsSupported(language))
            return Refused(new PaperEntries.Problem(0, "Choose the language of the runners' emails from the list."));
        if (file is null || file.Length == 0)
            return Refused(new PaperEntries.Problem(0, "Choose the CSV file to import."));
        if (file.Length > PaperEntries.MaxBytes)
            return Refused(new PaperEntries.Problem(0, $"The file is larger than {PaperEntries.MaxBytes / 1024} KB: split it."));
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer);
        var result = await paperEntries.ImportAsync(buffer.ToArray(), language, AuditActor.Of(HttpContext));
        if (result.Problems.Count > 0)
            return Refused([.. result.Problems]);
        TempData["Message"] = $"Imported {result.Imported} paper entr{(result.Imported == 1 ? "y" : "ies")}: each runner gets the usual email with their status link.";
        return Redirect("/admin/participants");
    }

    private PageResult Refused(params PaperEntries.Problem[] problems)
    {
        Problems = problems;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
