using System.Globalization;
using System.Text.RegularExpressions;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Data;

/// <summary>Amounts are integer minor units with a currency code; this is the one way they are shown.</summary>
public static partial class Money
{
    /// <summary>Currencies whose cents nobody writes: shown in whole units, thousands grouped.</summary>
    private static readonly HashSet<string> WholeUnits = ["IDR"];

    /// <summary>
    /// With its currency, for people, in the language being written (<see cref="CultureInfo.CurrentCulture"/>):
    /// <c>EUR 25.50</c> and <c>IDR 150,000</c> in English, <c>EUR 25,50</c> and <c>Rp150.000</c> in Indonesian.
    /// A culture of no supported language (a server's own locale) writes English.
    /// </summary>
    public static string Format(long minor, string currency)
    {
        var language = Languages.Formatting;
        var amount = (minor / 100m).ToString(WholeUnits.Contains(currency) ? "#,0" : "0.00", language);
        return language.Name == "id" && currency == "IDR" ? $"Rp{amount}" : $"{currency} {amount}";
    }

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
