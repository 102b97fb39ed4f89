using System.Globalization;

namespace TauTauRun.Web.Data;

/// <summary>Amounts are integer minor units with a currency code; this is the one way they are shown.</summary>
public static class Money
{
    public static string Format(long minor, string currency) =>
        string.Create(CultureInfo.InvariantCulture, $"{currency} {minor / 100}.{Math.Abs(minor % 100):00}");

    /// <summary>
    /// "25", "25.5", "25.50" or "25,50" as minor units (2550); null for anything else (negative, more
    /// than two decimals, not a number). Parsed as text, so no floating point ever touches the amount.
    /// </summary>
    public static long? ParseMinor(string? text)
    {
        var value = (text ?? "").Trim().Replace(',', '.');
        var parts = value.Split('.');
        if (parts.Length > 2 || parts[0].Length is 0 or > 9 || !parts[0].All(char.IsAsciiDigit))
            return null;
        var cents = parts.Length == 2 ? parts[1] : "";
        if (cents.Length > 2 || !cents.All(char.IsAsciiDigit))
            return null;
        return long.Parse(parts[0], CultureInfo.InvariantCulture) * 100 + (cents.Length == 0 ? 0 : int.Parse(cents.PadRight(2, '0'), CultureInfo.InvariantCulture));
    }
}
