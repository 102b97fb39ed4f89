using System.Globalization;
using CsvHelper;
using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Registration;

/// <summary>
/// Paper entry forms typed into a spreadsheet and imported as CSV. All or nothing: every row is checked
/// first, with the same field rules as the public form, and every problem is listed with its line; only
/// a file without one is imported, in one transaction (each runner a registration as the public form
/// makes it, with the email and the admin's audit row), so a race that fills up half way, or an address
/// already registered, rolls the whole file back with that line named. A fixed file can then simply be
/// imported again. The admin chooses the language of the file's runners, as for a walk-in.
/// </summary>
public sealed class PaperEntries(NpgsqlDataSource dataSource, Registrar registrar, EventSettingsStore settingsStore)
{
    public const int MaxBytes = 1024 * 1024;
    public const int MaxRows = 2000;

    /// <summary>The columns, in the order of the template; the first nine must be filled in on every row.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "race", "full_name", "email", "phone", "date_of_birth", "gender", "tshirt_size", "emergency_contact_name",
        "emergency_contact_phone", "club", "medical_notes", "guardian_name", "guardian_phone", "guardian_consent",
    ];

    public sealed record Problem(int Line, string Message);

    public sealed record Result(int Imported, IReadOnlyList<Problem> Problems);

    private sealed record Race(long Id, string Name, int MinimumAge, bool IsOpen);

    private sealed record Entry(int Line, Registrar.NewRunner Runner, string RaceName);

    public async Task<Result> ImportAsync(byte[] csv, string language, AuditActor actor)
    {
        var settings = await settingsStore.LoadAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        var races = (await connection.QueryAsync<Race>("SELECT id, name, minimum_age, is_open FROM race_categories")).AsList();
        var (entries, problems) = Check(csv, races, settings);
        if (problems.Count > 0)
            return new Result(0, problems);

        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var entry in entries)
        {
            Registrar.Outcome outcome;
            long? id;
            try
            {
                (outcome, id) = await InLanguage.RunAsync(language,
                    () => registrar.AdmitAsync(transaction, entry.Runner, StatusTokens.New(), joinWaitlist: false, addressVouched: true));
            }
            catch (PostgresException e) when (e.ConstraintName == "participants_active_email_per_category")
            {
                return Refused(entry.Line, $"{entry.Runner.Email} is already registered for the {entry.RaceName}.");
            }
            if (id is not { } participantId)
                return Refused(entry.Line, outcome == Registrar.Outcome.Full
                    ? $"the {entry.RaceName} is full: this file has more entries for it than it has free places."
                    : $"the {entry.RaceName} is closed for registration.");
            await AuditLog.WriteAsync(transaction, actor, "registration.paper_entry", new { line = entry.Line }, participantId);
        }
        await transaction.CommitAsync();
        return new Result(entries.Count, []);
    }

    private static Result Refused(int line, string message) => new(0, [new Problem(line, message)]);

    /// <summary>Every row as a registration, or every problem found, each with its line in the file.</summary>
    private static (List<Entry>, List<Problem>) Check(byte[] csv, IReadOnlyList<Race> races, EventSettings settings)
    {
        var entries = new List<Entry>();
        var problems = new List<Problem>();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var raceDay = DateOnly.FromDateTime(settings.Local(settings.StartsAt));
        var options = new CsvReaderOptions
        {
            TrackLineNumbers = true, MalformedData = CsvMalformedDataHandling.Throw, MaxRecordSize = 64 * 1024,
            IncludeValuesInExceptions = false, TrimWhitespace = true,
        };
        using var reader = CsvReader.Create(csv, options);
        try
        {
            if (!reader.Read())
                return (entries, [new Problem(1, "the file has no entries: the first line names the columns, each line after it is one runner.")]);
            var missing = Columns.Take(9).Where(column => !reader.TryGetFieldIndex(column, out _)).ToList();
            if (missing.Count > 0)
                return (entries, [new Problem(1, $"the header lacks the column(s) {string.Join(", ", missing)}. The columns are: {string.Join(",", Columns)}.")]);
            var seen = new Dictionary<(long, string), int>();
            do
            {
                var line = (int)reader.LineNumber;
                if (reader.RowNumber > MaxRows)
                    return (entries, [new Problem(line, $"a file holds at most {MaxRows} entries: split it.")]);
                string? Field(string column) => reader.TryGetFieldIndex(column, out var index) && index < reader.FieldCount ? reader.GetString(index) : null;

                var raceName = RunnerInput.Line(Field("race"));
                var race = races.FirstOrDefault(r => string.Equals(r.Name, raceName, StringComparison.OrdinalIgnoreCase));
                var fields = new RunnerFields();
                var birth = DateOnly.TryParseExact(Field("date_of_birth"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    ? fields.DateOfBirth(date, today, raceDay, race is null ? null : (race.Name, race.MinimumAge)) : default;
                var runner = new Registrar.NewRunner(race?.Id ?? 0, fields.FullName(Field("full_name")), fields.Email(Field("email")),
                    fields.Phone(Field("phone")), birth, fields.Gender(Field("gender")?.ToUpperInvariant()),
                    fields.TshirtSize(Field("tshirt_size")?.ToUpperInvariant()), fields.EmergencyContactName(Field("emergency_contact_name")),
                    fields.EmergencyContactPhone(Field("emergency_contact_phone")), fields.MedicalNotes(Field("medical_notes")),
                    fields.Club(Field("club")), settings.WaiverVersion,
                    fields.Guardian(Field("guardian_name"), Field("guardian_phone"), IsYes(Field("guardian_consent")), birth, raceDay));
                if (birth == default)
                    fields.Error("DateOfBirth", "write the date of birth as year-month-day, e.g. 1990-04-01.");
                if (race is null)
                    fields.Error("Race", $"there is no race called \"{raceName}\": the races are {string.Join(", ", races.Select(r => r.Name))}.");
                else if (!race.IsOpen)
                    fields.Error("Race", $"the {race.Name} is closed for registration.");
                else if (runner.Email.Length > 0 && !seen.TryAdd((race.Id, runner.Email.ToLowerInvariant()), line))
                    fields.Error("Email", $"the same address as line {seen[(race.Id, runner.Email.ToLowerInvariant())]} in the same race.");
                problems.AddRange(fields.Errors.Select(e => new Problem(line, $"{ColumnOf(e.Field)}: {e.Message}")));
                if (fields.IsValid)
                    entries.Add(new Entry(line, runner, race!.Name));
            }
            while (reader.Read());
        }
        catch (CsvFormatException e)
        {
            problems.Add(new Problem((int)e.LineNumber, "the line's quotes do not match (a field that opens a quote must close it): check it in the spreadsheet."));
        }
        return (entries, problems);
    }

    private static bool IsYes(string? value) => value?.Trim().ToLowerInvariant() is "yes" or "y" or "true" or "1" or "x";

    /// <summary>A field's name as <see cref="RunnerFields"/> gives it (GuardianName), as the file's column (guardian_name).</summary>
    private static string ColumnOf(string field) =>
        string.Concat(field.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
