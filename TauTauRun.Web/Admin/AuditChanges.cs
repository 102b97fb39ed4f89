using System.Reflection;
using System.Text.Json;

namespace TauTauRun.Web.Admin;

/// <summary>
/// The before/after values of an edit for its audit row: only the fields that changed, named as their
/// columns (snake_case), so a row says exactly what an admin changed and nothing else.
/// </summary>
public static class AuditChanges
{
    public sealed record Diff(Dictionary<string, object?> Before, Dictionary<string, object?> After)
    {
        public bool IsEmpty => Before.Count == 0;
    }

    /// <summary>Compares the settable public properties of two values of the same record type.</summary>
    public static Diff Between<T>(T before, T after)
    {
        var diff = new Diff([], []);
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var old = property.GetValue(before);
            var now = property.GetValue(after);
            if (Equals(old, now))
                continue;
            var column = JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
            diff.Before[column] = old;
            diff.After[column] = now;
        }
        return diff;
    }

    /// <summary>Every settable public property, for the audit row of something new.</summary>
    public static Dictionary<string, object?> All<T>(T value) =>
        typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
            .ToDictionary(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name), p => p.GetValue(value));
}
