using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using Dapper;
using Npgsql;

namespace TauTauRun.Web.Tests.Faults;

/// <summary>
/// What no stored row may hold, whatever was posted. The schema's CHECKs already refuse some of it; these
/// rules add what the forms promise beyond them: typed text is trimmed, folded to single spaces (one-line
/// fields), NFC, within the form's length, free of control characters (a line break only in the medical
/// notes) and of U+FFFD (what undecodable bytes turn into); an email address has no white space or
/// controls (it goes into a mail header); a queued email's HTML holds no element a runner typed.
/// Returns the violations found, each with the row it is in.
/// </summary>
public static partial class StoredValueRules
{
    private static readonly HtmlParser Parser = new();

    public static async Task<IReadOnlyList<string>> ViolationsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var violations = new List<string>();

        foreach (var p in await connection.QueryAsync<Participant>("""
            SELECT id, full_name AS fullname, email, phone, club, medical_notes AS medicalnotes,
                   emergency_contact_name AS emergencycontactname, emergency_contact_phone AS emergencycontactphone,
                   gender, tshirt_size AS tshirtsize, date_of_birth::text AS dateofbirth
            FROM participants
            """))
        {
            void Check(string field, string value, int maximum, bool required = true, bool multiline = false)
            {
                if (TextProblem(value, maximum, required, multiline) is { } problem)
                    violations.Add($"participant {p.Id} {field} {problem}: {Show(value)}");
            }
            Check("full_name", p.FullName, 100);
            Check("email", p.Email, 254);
            Check("club", p.Club, 100, required: false);
            Check("medical_notes", p.MedicalNotes, 1000, required: false, multiline: true);
            Check("emergency_contact_name", p.EmergencyContactName, 100);
            if (!EmailShape().IsMatch(p.Email))
                violations.Add($"participant {p.Id} email is not an address: {Show(p.Email)}");
            if (!PhoneShape().IsMatch(p.Phone) || !PhoneShape().IsMatch(p.EmergencyContactPhone))
                violations.Add($"participant {p.Id} has a phone number that is not 6 to 15 digits: {Show(p.Phone)} / {Show(p.EmergencyContactPhone)}");
            if (p.Gender is not ("F" or "M" or "X") || p.TshirtSize is not ("XS" or "S" or "M" or "L" or "XL" or "XXL"))
                violations.Add($"participant {p.Id} has gender {Show(p.Gender)} and size {Show(p.TshirtSize)}");
            if (DateOnly.Parse(p.DateOfBirth) is var birth && (birth.Year < 1900 || birth >= DateOnly.FromDateTime(DateTime.UtcNow)))
                violations.Add($"participant {p.Id} was born on {p.DateOfBirth}");
        }

        foreach (var e in await connection.QueryAsync<(long Id, string Recipient, string Subject, string HtmlBody)>(
                     "SELECT id, recipient, subject, html_body FROM email_logs"))
        {
            if (!EmailShape().IsMatch(e.Recipient) || e.Recipient.Any(char.IsControl))
                violations.Add($"email {e.Id} goes to {Show(e.Recipient)}");
            if (e.Subject.Any(char.IsControl))
                violations.Add($"email {e.Id} has a control character in its subject: {Show(e.Subject)}");
            if (Parser.ParseDocument(e.HtmlBody).QuerySelector($"[{FuzzSubmissions.MarkerAttribute}]") is { } element)
                violations.Add($"email {e.Id} holds the element {element.OuterHtml}");
        }

        foreach (var a in await connection.QueryAsync<(long Id, string Actor, string Details)>("SELECT id, actor, details::text FROM audit_log"))
        {
            if (TextProblem(a.Actor, 100, required: true, multiline: false) is { } problem)
                violations.Add($"audit row {a.Id} actor {problem}: {Show(a.Actor)}");
            if (a.Details.Contains(FuzzSubmissions.MarkerAttribute))
                violations.Add($"audit row {a.Id} keeps typed input: {Show(a.Details)}");
        }
        return violations;
    }

    private static string? TextProblem(string value, int maximum, bool required, bool multiline)
    {
        if (required && value.Length == 0)
            return "is empty";
        if (value.Length > maximum)
            return $"is {value.Length} characters long";
        if (value != value.Trim())
            return "is not trimmed";
        if (value.Any(c => char.IsControl(c) && !(multiline && c == '\n')))
            return "holds a control character";
        if (value.Contains('\uFFFD'))
            return "holds U+FFFD (undecodable input)";
        if (!value.IsNormalized(NormalizationForm.FormC))
            return "is not NFC";
        if (!multiline && Regex.IsMatch(value, @"\s\s|[^\S ]"))
            return "has white space other than single spaces";
        return null;
    }

    private static string Show(string value)
    {
        var escaped = string.Concat(value.Take(80).Select(c => char.IsControl(c) || c == '\uFFFD' ? $"\\u{(int)c:X4}" : c.ToString()));
        return value.Length > 80 ? $"\"{escaped}…\" ({value.Length})" : $"\"{escaped}\"";
    }

    [GeneratedRegex(@"^[^@\s\p{Cc}]+@[^@\s\p{Cc}]+$")]
    private static partial Regex EmailShape();

    [GeneratedRegex(@"^\+?[0-9]{6,15}$")]
    private static partial Regex PhoneShape();

    private sealed record Participant(long Id, string FullName, string Email, string Phone, string Club, string MedicalNotes,
        string EmergencyContactName, string EmergencyContactPhone, string Gender, string TshirtSize, string DateOfBirth);
}
