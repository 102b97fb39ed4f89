using System.Globalization;
using System.Resources;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace TauTauRun.Web.Localization;

/// <summary>
/// Every text a runner reads, in the language of the request or message being written (the current UI
/// culture): <c>RunnerText.resx</c> holds English, <c>RunnerText.{code}.resx</c> each other language, under
/// the same keys. Static, so the rules that phrase a runner's messages (<c>RunnerFields</c>, coupons,
/// prices) reach it as pages and views do; the framework reads the same files for form labels.
/// </summary>
public sealed class RunnerText
{
    private static readonly ResourceManager Texts = new(typeof(RunnerText));

    /// <summary>The text for <paramref name="key"/>, its <c>{0}</c>… filled with <paramref name="args"/> written for the language.</summary>
    public static string Get(string key, params object?[] args)
    {
        var text = Texts.GetString(key, CultureInfo.CurrentUICulture) ?? key; // a missing key shows, and the key test names it
        return args.Length == 0 ? text : string.Format(Languages.Formatting, text, args);
    }

    /// <summary>A text holding markup of its own (a link, emphasis): the text is trusted, each argument is encoded.</summary>
    public static IHtmlContent Markup(string key, params object?[] args) =>
        new HtmlString(Get(key, args.Select(a => (object?)HtmlEncoder.Default.Encode(Convert.ToString(a, Languages.Formatting) ?? "")).ToArray()));

    /// <summary>A day, as the language writes it: <c>12 June 2027</c>, <c>12 Juni 2027</c>.</summary>
    public static string Date(DateOnly day) => day.ToString(Get("Format.Date"), Languages.Formatting);

    /// <summary>A local day, as <see cref="Date(DateOnly)"/>.</summary>
    public static string Date(DateTime local) => Date(DateOnly.FromDateTime(local));

    /// <summary>A local time on its day: <c>12 June 2027, 06:00</c>, <c>12 Juni 2027 pukul 06.00</c>.</summary>
    public static string DateAndTime(DateTime local) => local.ToString(Get("Format.DateAndTime"), Languages.Formatting);

    /// <summary>The same with the weekday, for the event's start: <c>Saturday 12 June 2027, 06:00</c>.</summary>
    public static string DayDateAndTime(DateTime local) => local.ToString(Get("Format.DayDateAndTime"), Languages.Formatting);
}
