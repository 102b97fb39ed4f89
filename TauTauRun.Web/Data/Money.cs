using System.Globalization;
using System.Text.RegularExpressions;

namespace TauTauRun.Web.Data;

/// <summary>Amounts are integer minor units with a currency code; this is the one way they are shown.</summary>
public static partial class Money
{
    /// <summary>With its currency, for people: <c>EUR 25.50</c>.</summary>
    public static string Format(long minor, string currency) => $"{currency} {Amount(minor)}";

    /// <summary>The bare amount, as forms and exports hold it: <c>25.50</c> (what <see cref="ParseMinor"/> reads back).</summary>
    public static string Amount(long minor) => (minor / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>
    /// "25", "25.5", "25.50" or "25,50" as minor units (2550); null for anything else (negative, more
    /// than two decimals, not a number). Parsed as text, so no floating point ever touches the amount.
    /// </summary>
    public static long? ParseMinor(string? text)
    {
        var match = MinorUnits().Match(text?.Trim() ?? "");
        if (!match.Success)
            return null;
        var cents = match.Groups[2].Success ? match.Groups[2].Value.PadRight(2, '0') : "00";
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * 100 + long.Parse(cents, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(\d{1,9})(?:[.,](\d{1,2}))?$")]
    private static partial Regex MinorUnits();
}
