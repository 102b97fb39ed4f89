using System.Text;

namespace TauTauRun.Bench;

/// <summary>
/// Renders the run's CSV as bench/RESULTS.md: one table, rows in the order the scenarios wrote them,
/// then the hand-written findings (what profiles showed, what changed). Options: --csv F, --out F,
/// --findings F (optional), --title T, --machine M.
/// </summary>
public static class Report
{
    public static int Write(Options options)
    {
        var rows = ReadCsv(File.ReadAllText(options.Required("csv"))).Skip(1).ToList();
        var text = new StringBuilder();
        text.AppendLine("# Benchmark results").AppendLine();
        text.AppendLine($"Written by `bench/run.sh` ({options.Optional("title") ?? "run"}; {options.Optional("machine") ?? "this machine"}).");
        text.AppendLine("Each figure stands beside its baseline measured in the same run; ratio = value / baseline.");
        text.AppendLine("How to read this: [bench/README.md](README.md).").AppendLine();
        text.AppendLine("| scenario | measure | value | baseline | ratio | target | met | notes |");
        text.AppendLine("| --- | --- | ---: | --- | ---: | --- | --- | --- |");
        foreach (var r in rows)
        {
            string Cell(int i) => i < r.Count ? r[i].Replace("|", "\\|") : "";
            var value = $"{Cell(2)} {Cell(3)}".Trim();
            var baseline = Cell(4).Length == 0 ? "" : $"{Cell(4)}: {Cell(5)} {Cell(3)}".Trim();
            var met = Cell(8) switch { "yes" => "✅ yes", "no" => "❌ no", var other => other };
            text.AppendLine($"| {Cell(0)} | {Cell(1)} | {value} | {baseline} | {Cell(6)} | {Cell(7)} | {met} | {Cell(9)} |");
        }
        var missed = rows.Count(r => r.Count > 8 && r[8] == "no");
        text.AppendLine().AppendLine(missed == 0 ? "Every target with a figure in this run was met." : $"{missed} target(s) missed in this run: see the rows marked no and the findings below.");
        if (options.Optional("findings") is { } findings && File.Exists(findings))
            text.AppendLine().Append(File.ReadAllText(findings));
        File.WriteAllText(options.Required("out"), text.ToString());
        return 0;
    }

    /// <summary>RFC 4180: fields in double quotes may hold commas, quotes (doubled) and line breaks.</summary>
    public static IEnumerable<List<string>> ReadCsv(string text)
    {
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                    field.Append(text[++i]);
                else if (c == '"')
                    quoted = false;
                else
                    field.Append(c);
            }
            else if (c == '"')
                quoted = true;
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                yield return row;
                row = [];
            }
            else if (c != '\r')
                field.Append(c);
        }
        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            yield return row;
        }
    }
}
