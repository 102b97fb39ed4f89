using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web.Pages.Admin.Payments;

/// <summary>
/// Upload a bank statement, see what the matcher makes of each incoming line, confirm to pay the
/// matched runners; below, the queue of lines a person has to decide on.
/// </summary>
[Authorize(Policy = AdminPolicies.AdminRole)]
public sealed class ImportModel(PaymentImport import) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "id")] public long? ImportId { get; set; }

    public IReadOnlyList<PaymentImport.Verdict> Verdicts { get; private set; } = [];
    public bool Confirmed { get; private set; }
    public IReadOnlyList<PaymentImport.QueuedLine> Unmatched { get; private set; } = [];
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (ImportId is { } id)
        {
            if (await import.PreviewAsync(id) is not { } preview)
                return NotFound();
            (Verdicts, Confirmed) = preview;
        }
        Unmatched = await import.UnmatchedAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostUploadAsync(IFormFile? file, BankStatement.Layout layout, int dateColumn, int descriptionColumn,
        int amountColumn, bool hasHeader)
    {
        var result = file is null ? new BankStatement.Result([], "Choose the statement file (CSV) to upload.")
            : file.Length > BankStatement.MaxBytes ? new BankStatement.Result([], $"The file is larger than {BankStatement.MaxBytes / 1024} KB: export a shorter period.")
            : BankStatement.Read(await ReadAsync(file), layout, new BankStatement.Columns(dateColumn, descriptionColumn, amountColumn, hasHeader));
        if (result.Error is not null)
        {
            Error = result.Error;
            Unmatched = await import.UnmatchedAsync();
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var id = await import.UploadAsync(Path.GetFileName(file!.FileName), result.Lines, AuditActor.Of(HttpContext));
        return Redirect($"/admin/payments/import?id={id}");
    }

    public async Task<IActionResult> OnPostConfirmAsync(long id)
    {
        if (await import.ConfirmAsync(id, AuditActor.Of(HttpContext)) is not { } results)
            return NotFound();
        TempData["Message"] = results.Count == 0
            ? "Nothing new: this upload was confirmed already, or every line in it was imported before. Nobody was paid again."
            : $"{results.Count(r => r.Outcome == "PAID")} line(s) paid; {results.Count(r => r.Outcome != "PAID")} line(s) in the unmatched queue.";
        return Redirect($"/admin/payments/import?id={id}");
    }

    public async Task<IActionResult> OnPostResolveAsync(long lineId, string? note)
    {
        var why = RunnerInput.Line(note);
        TempData["Message"] = why.Length is 0 or > 500
            ? "Say in a few words what was done with the line (it goes into the audit log)."
            : await import.ResolveAsync(lineId, why, AuditActor.Of(HttpContext)) ? "The line left the queue." : "That line was dealt with already.";
        return Redirect("/admin/payments/import");
    }

    private static async Task<byte[]> ReadAsync(IFormFile file)
    {
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
