using CsvHelper;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// Streams rows as RFC 4180 CSV straight into the response (constant memory however many rows), with a
/// UTF-8 byte-order mark so Excel reads accents correctly, CRLF line ends, and any text cell starting
/// with = + - @ (or a tab or CR) prefixed with ' so no spreadsheet runs it as a formula.
/// </summary>
public static class CsvExport
{
    private static readonly CsvWriterOptions Options = new()
    {
        Injection = CsvInjection.Escape,
        WriteByteOrderMark = true,
        NewLine = "\r\n",
    };

    public static async Task WriteAsync<T>(HttpResponse response, string fileName, string[] header, IAsyncEnumerable<T> rows,
        Func<T, string?[]> fields, CancellationToken cancellationToken)
    {
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        response.Headers.CacheControl = "no-store";
        await using var csv = CsvWriter.Create(response.Body, Options, leaveOpen: true);
        await csv.WriteRecordAsync(header, cancellationToken);
        await foreach (var row in rows.WithCancellation(cancellationToken))
            await csv.WriteRecordAsync(Array.ConvertAll(fields(row), field => field ?? ""), cancellationToken);
        await csv.FlushAsync(cancellationToken);
    }
}
