using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Registration;

/// <summary>
/// A bank's CSV account statement read into its incoming lines, in one of the layouts we know: BCA
/// (KlikBCA: "Tanggal Transaksi, Keterangan, Cabang, Jumlah, Saldo", amounts like "250,000.00 CR"),
/// Mandiri (Mandiri Online: "Account No, Date, Val. Date, Transaction Code, Description, Description,
/// Reference No., Debit, Credit") or any CSV with the columns the admin names. Only credits (money in)
/// are kept. Each line gets an identity (a hash of its row, and how many identical rows came before it
/// in the file), so the same line in a second import of the same or an overlapping statement is known.
/// Everything wrong ends in one clear message and no lines.
/// </summary>
public static class BankStatement
{
    public const int MaxBytes = 200 * 1024;
    public const int MaxLines = 5000;

    public enum Layout { Bca, Mandiri, Generic }

    /// <summary>Generic layout: 1-based column numbers, and whether the first row is a header.</summary>
    public sealed record Columns(int Date, int Description, int Amount, bool HasHeader);

    public sealed record Line(int Row, DateOnly BookedOn, string Description, long AmountMinor, string Identity);

    public sealed record Result(IReadOnlyList<Line> Lines, string? Error);

    static BankStatement() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static Result Read(byte[] file, Layout layout, Columns? columns = null)
    {
        if (file.Length == 0)
            return Fail("The file is empty.");
        if (file.Length > MaxBytes)
            return Fail($"The file is larger than {MaxBytes / 1024} KB: export a shorter period.");
        if (Text(file) is not { } text)
            return Fail("The file is not text in UTF-8 or Windows-1252 (perhaps UTF-16 or a spreadsheet): export it from the bank as CSV.");
        var rows = Rows(text);
        if (rows.Count > MaxLines)
            return Fail($"The file has more than {MaxLines} rows: export a shorter period.");
        return layout switch
        {
            Layout.Bca => ReadBca(rows),
            Layout.Mandiri => ReadMandiri(rows),
            _ => columns is { Date: > 0, Description: > 0, Amount: > 0 }
                ? ReadGeneric(rows, columns)
                : Fail("Give the column numbers (1 for the first) of the date, the description and the amount."),
        };
    }

    /// <summary>UTF-8 (with or without byte-order mark) if it is valid UTF-8, else Windows-1252; null for binary or UTF-16.</summary>
    private static string? Text(byte[] file)
    {
        if (Array.IndexOf(file, (byte)0) >= 0)
            return null;
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(file).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            return Encoding.GetEncoding(1252).GetString(file);
        }
    }

    /// <summary>
    /// RFC 4180 rows (quoted cells may hold the delimiter, quotes doubled, line breaks), numbered from 1 as
    /// a spreadsheet shows them; the delimiter is the first line's more frequent of comma and semicolon.
    /// </summary>
    private static List<(int Row, string[] Cells, string Raw)> Rows(string text)
    {
        var firstLine = text.Split('\n', 2)[0];
        var delimiter = firstLine.Count(c => c == ';') > firstLine.Count(c => c == ',') ? ';' : ',';
        var rows = new List<(int, string[], string)>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        var (quoted, row, line) = (false, 1, 1);
        for (var i = 0; i <= text.Length && rows.Count <= MaxLines; i++)
        {
            var c = i < text.Length ? text[i] : '\n';
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                    (cell, i) = (cell.Append('"'), i + 1);
                else if (c == '"')
                    quoted = false;
                else
                    cell.Append(c);
                line += c == '\n' ? 1 : 0;
            }
            else if (c == '"')
                quoted = true;
            else if (c == delimiter)
                (cells, cell) = (Add(cells, cell), new StringBuilder());
            else if (c == '\n')
            {
                Add(cells, cell);
                if (cells.Any(x => x.Length > 0))
                    rows.Add((row, cells.ToArray(), string.Join("\u001f", cells)));
                (cells, cell, row) = (new List<string>(), new StringBuilder(), ++line);
            }
            else if (c != '\r')
                cell.Append(c);
        }
        return rows;

        static List<string> Add(List<string> cells, StringBuilder cell)
        {
            cells.Add(cell.ToString().Trim());
            return cells;
        }
    }

    private static Result ReadBca(List<(int Row, string[] Cells, string Raw)> rows)
    {
        var header = rows.FindIndex(r => Has(r.Cells, 0, "Tanggal") && r.Cells.Any(c => c.StartsWith("Keterangan", StringComparison.OrdinalIgnoreCase))
            && r.Cells.Any(c => c.Equals("Jumlah", StringComparison.OrdinalIgnoreCase)));
        if (header < 0)
            return Fail("This is not a BCA statement: no row with the columns Tanggal Transaksi, Keterangan, Cabang, Jumlah, Saldo.");
        var amountAt = Array.FindIndex(rows[header].Cells, c => c.Equals("Jumlah", StringComparison.OrdinalIgnoreCase));
        var year = rows.Take(header).Select(r => YearOf(string.Join(" ", r.Cells))).FirstOrDefault(y => y is not null) ?? DateTime.UtcNow.Year;
        return Collect(rows.Skip(header + 1).TakeWhile(r => !Has(r.Cells, 0, "Saldo Awal")), r =>
        {
            if (r.Cells.Length <= amountAt)
                return (null, "it has too few columns");
            var amount = r.Cells[amountAt];
            var credit = amount.EndsWith("CR", StringComparison.OrdinalIgnoreCase);
            if (!credit && !amount.EndsWith("DB", StringComparison.OrdinalIgnoreCase))
                return (null, $"the amount \"{amount}\" ends in neither CR nor DB");
            if (!credit)
                return (Skip, null);
            return Entry(r.Cells[0].TrimStart('\''), year, r.Cells[1], amount[..^2]);
        });
    }

    private static Result ReadMandiri(List<(int Row, string[] Cells, string Raw)> rows)
    {
        var header = rows.FindIndex(r => Has(r.Cells, 0, "Account No") && r.Cells.Any(c => c.Equals("Credit", StringComparison.OrdinalIgnoreCase)));
        if (header < 0)
            return Fail("This is not a Mandiri statement: no row with the columns Account No, Date, Val. Date, Transaction Code, Description, Description, Reference No., Debit, Credit.");
        var cells = rows[header].Cells;
        var date = Array.FindIndex(cells, c => c.Equals("Date", StringComparison.OrdinalIgnoreCase));
        var descriptions = cells.Select((c, i) => (c, i)).Where(x => x.c.Equals("Description", StringComparison.OrdinalIgnoreCase)).Select(x => x.i).ToArray();
        var credit = Array.FindIndex(cells, c => c.Equals("Credit", StringComparison.OrdinalIgnoreCase));
        return Collect(rows.Skip(header + 1), r =>
        {
            if (r.Cells.Length <= credit)
                return (null, "it has too few columns");
            if (Amount(r.Cells[credit]) is 0)
                return (Skip, null);
            return Entry(r.Cells[date], null, string.Join(" ", descriptions.Select(i => r.Cells[i])), r.Cells[credit]);
        });
    }

    private static Result ReadGeneric(List<(int Row, string[] Cells, string Raw)> rows, Columns columns)
    {
        var last = Math.Max(columns.Date, Math.Max(columns.Description, columns.Amount));
        return Collect(rows.Skip(columns.HasHeader ? 1 : 0), r =>
        {
            if (r.Cells.Length < last)
                return (null, $"it has {r.Cells.Length} columns, column {last} was chosen");
            var amount = r.Cells[columns.Amount - 1];
            if (amount.StartsWith('-') || Amount(amount) is 0)
                return (Skip, null);
            return Entry(r.Cells[columns.Date - 1], null, r.Cells[columns.Description - 1], amount);
        });
    }

    private static readonly Line Skip = new(0, default, "", 0, "");

    /// <summary>Reads each data row; the first row that cannot be read fails the whole file, naming it.</summary>
    private static Result Collect(IEnumerable<(int Row, string[] Cells, string Raw)> rows, Func<(int Row, string[] Cells, string Raw), (Line? Line, string? Problem)> read)
    {
        var lines = new List<Line>();
        var seen = new Dictionary<string, int>();
        foreach (var row in rows)
        {
            var (line, problem) = read(row);
            if (problem is not null)
                return Fail($"Row {row.Row} cannot be read: {problem}. Nothing was imported.");
            if (ReferenceEquals(line, Skip))
                continue;
            var occurrence = seen[row.Raw] = seen.GetValueOrDefault(row.Raw) + 1;
            var identity = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{row.Raw}\u001e{occurrence}")));
            lines.Add(line! with { Row = row.Row, Identity = identity });
        }
        return lines.Count == 0 ? Fail("The file has no incoming payments.") : new Result(lines, null);
    }

    private static (Line?, string?) Entry(string date, int? year, string description, string amount)
    {
        if (Date(date, year) is not { } day)
            return (null, $"the date \"{date}\" is not a date like 31/12/2026");
        if (Amount(amount) is not { } minor)
            return (null, $"the amount \"{amount}\" is not an amount like 250,000.00");
        return (new Line(0, day, description, minor, ""), null);
    }

    private static DateOnly? Date(string text, int? year)
    {
        string[] formats = ["dd/MM/yyyy", "d/M/yyyy", "dd/MM/yy", "yyyy-MM-dd", "dd-MM-yyyy", "dd MMM yyyy", "d MMM yyyy"];
        if (DateOnly.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date;
        if (year is { } y && DateOnly.TryParseExact($"{text}/{y}", ["dd/MM/yyyy", "d/M/yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
            return date;
        return null;
    }

    /// <summary>
    /// "250,000.00", "250.000,00", "250.000", "Rp 250.000" or "25.50" in minor units: the last separator
    /// followed by one or two digits is the decimal point, every other separator groups thousands.
    /// </summary>
    public static long? Amount(string text)
    {
        var digits = new string(text.Where(c => char.IsDigit(c) || c is '.' or ',').ToArray());
        if (digits.Length == 0 || text.Any(char.IsLetter) && !text.Contains("Rp", StringComparison.OrdinalIgnoreCase) && !text.Contains("IDR", StringComparison.OrdinalIgnoreCase))
            return null;
        var cut = digits.LastIndexOfAny(['.', ',']);
        var (whole, cents) = cut >= 0 && digits.Length - cut - 1 is 1 or 2 ? (digits[..cut], digits[(cut + 1)..]) : (digits, "");
        whole = whole.Replace(".", "").Replace(",", "") is { Length: > 0 } digitsOnly ? digitsOnly : "0";
        return whole.Length > 12 ? null : Money.ParseMinor(cents.Length > 0 ? $"{whole}.{cents}" : whole);
    }

    private static int? YearOf(string text) =>
        System.Text.RegularExpressions.Regex.Match(text, @"\b(20\d\d)\b") is { Success: true } m ? int.Parse(m.Value, CultureInfo.InvariantCulture) : null;

    private static bool Has(string[] cells, int at, string start) =>
        cells.Length > at && cells[at].StartsWith(start, StringComparison.OrdinalIgnoreCase);

    private static Result Fail(string message) => new([], message);
}
