using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace TauTauRun.Bench.Data;

/// <summary>
/// The bare-SQL baseline of a page: the statements the app itself sent, taken from the server's log
/// (the app ran with log_statement=all) with their exact parameter values, replayed directly over
/// Npgsql, reading every row. So the baseline is the page's own SQL whatever the page's code becomes.
/// Options: --conn, --log FILE, --offset BYTES (where the capture began), --names FILE (first word of
/// each line; the last that many statements containing --match are the pages, in order), --with TEXT
/// (a statement the page runs first on the same connection, replayed with it), --then TEXT (one it runs after it, likewise), --warmup, --iterations.
/// Prints "NAME p50 P p95 P p99 P n N" in ms. With --print-sql it only prints the last statement
/// containing --match (for a baseline run by another client, such as psql's \copy).
/// </summary>
public static partial class SqlReplay
{
    public static async Task<int> RunAsync(Options options)
    {
        var statements = Read(options.Required("log"), long.Parse(options.Required("offset"), CultureInfo.InvariantCulture));
        var match = options.Required("match");
        if (options.Optional("print-sql") is not null)
        {
            Console.WriteLine(statements.Last(s => s.Sql.Contains(match, StringComparison.Ordinal)).Sql);
            return 0;
        }
        var with = options.Optional("with");
        var then = options.Optional("then");
        var names = File.ReadLines(options.Required("names")).Where(l => l.Trim().Length > 0).Select(l => l.Split(' ')[0]).ToList();
        var pages = statements.Select((s, i) => (s, i)).Where(x => x.s.Sql.Contains(match, StringComparison.Ordinal)).TakeLast(names.Count).ToList();
        if (pages.Count < names.Count)
            throw new InvalidOperationException($"the log holds {pages.Count} statements containing '{match}', {names.Count} expected");

        var batches = pages.Select(page =>
        {
            var first = with is null ? null : statements.Take(page.i).LastOrDefault(s => s.Pid == page.s.Pid && s.Sql.Contains(with, StringComparison.Ordinal));
            var after = then is null ? null : statements.Skip(page.i + 1).FirstOrDefault(s => s.Pid == page.s.Pid && s.Sql.Contains(then, StringComparison.Ordinal));
            return new[] { first, page.s, after }.OfType<Statement>().ToArray();
        }).ToList();

        await using var dataSource = NpgsqlDataSource.Create(options.Required("conn"));
        var timings = names.Select(_ => new Load.Latencies()).ToArray();
        var warmup = options.Int("warmup", 20);
        var iterations = options.Int("iterations", 100);
        for (var round = 0; round < warmup + iterations; round++)
        {
            for (var i = 0; i < batches.Count; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await using (var connection = await dataSource.OpenConnectionAsync())
                {
                    foreach (var statement in batches[i])
                        await RunAsync(connection, statement);
                }
                if (round >= warmup)
                    timings[i].Add(started, Stopwatch.GetTimestamp());
            }
        }
        for (var i = 0; i < names.Count; i++)
        {
            var (count, p50, p95, p99) = Load.Latencies.Summarise([timings[i]]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{names[i]} p50 {p50:0.00} p95 {p95:0.00} p99 {p99:0.00} n {count}"));
        }
        return 0;
    }

    private static async Task RunAsync(NpgsqlConnection connection, Statement statement)
    {
        await using var command = new NpgsqlCommand(statement.Sql, connection);
        // Positional parameters of unknown type: the server infers each from the SQL, as it did for the app.
        foreach (var value in statement.Parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Unknown });
        await using var reader = await command.ExecuteReaderAsync();
        var values = new object[reader.FieldCount];
        while (await reader.ReadAsync())
            reader.GetValues(values);
    }

    public sealed record Statement(string Pid, string Sql, IReadOnlyList<string?> Parameters);

    /// <summary>
    /// The extended-protocol statements in a stderr log with the default prefix ("TIME [PID] "): each is
    /// "LOG:  execute NAME: SQL" (continuing over lines without a prefix), then "DETAIL:  parameters: $1 = '…', $2 = NULL".
    /// </summary>
    public static List<Statement> Read(string path, long offset)
    {
        using var stream = File.OpenRead(path);
        stream.Seek(offset, SeekOrigin.Begin);
        var text = new StreamReader(stream).ReadToEnd();
        var entries = Entry().Matches(text);
        var statements = new List<Statement>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (Execute().Match(entries[i].Groups["message"].Value) is not { Success: true } execute)
                continue;
            var parameters = new List<string?>();
            if (i + 1 < entries.Count && entries[i + 1].Groups["pid"].Value == entries[i].Groups["pid"].Value
                && Detail().Match(entries[i + 1].Groups["message"].Value) is { Success: true } detail)
            {
                foreach (Match parameter in Parameter().Matches(detail.Groups[1].Value))
                    parameters.Add(parameter.Groups["null"].Success ? null : parameter.Groups["value"].Value.Replace("''", "'"));
            }
            statements.Add(new Statement(entries[i].Groups["pid"].Value, execute.Groups[1].Value.TrimEnd(), parameters));
        }
        return statements;
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[.\d]* \S+ \[(?<pid>\d+)\] (?<message>.*?)(?=^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|\z)", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Entry();

    [GeneratedRegex(@"^LOG:  execute [^:]*: (.*)", RegexOptions.Singleline)]
    private static partial Regex Execute();

    [GeneratedRegex(@"^DETAIL:  parameters: (.*)", RegexOptions.Singleline)]
    private static partial Regex Detail();

    [GeneratedRegex(@"\$\d+ = (?:(?<null>NULL)|'(?<value>(?:[^']|'')*)')")]
    private static partial Regex Parameter();
}
