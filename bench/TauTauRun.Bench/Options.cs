namespace TauTauRun.Bench;

/// <summary>"--name value" pairs after the subcommand; a missing required option stops with exit 2.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);

    public static Options Parse(IEnumerable<string> args)
    {
        var options = new Options();
        string? name = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (name is not null)
                    options.values[name] = "true"; // a flag without a value
                name = arg[2..];
            }
            else if (name is not null)
            {
                options.values[name] = arg;
                name = null;
            }
            else
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }
        }
        if (name is not null)
            options.values[name] = "true";
        return options;
    }

    public string Required(string name) =>
        values.TryGetValue(name, out var value) ? value : throw new UsageException($"--{name} is required");

    public string? Optional(string name) => values.GetValueOrDefault(name);

    public int Int(string name, int fallback) => values.TryGetValue(name, out var value) ? int.Parse(value) : fallback;

    public double Double(string name, double fallback) =>
        values.TryGetValue(name, out var value) ? double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public static int Usage(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }
}

public sealed class UsageException(string message) : Exception(message);
