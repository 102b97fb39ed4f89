using System.Globalization;

namespace TauTauRun.Web.Data;

/// <summary>Amounts are integer minor units with a currency code; this is the one way they are shown.</summary>
public static class Money
{
    public static string Format(long minor, string currency) =>
        string.Create(CultureInfo.InvariantCulture, $"{currency} {minor / 100}.{Math.Abs(minor % 100):00}");
}
