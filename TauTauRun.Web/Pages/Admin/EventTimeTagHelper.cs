using System.Globalization;
using Microsoft.AspNetCore.Razor.TagHelpers;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Pages.Admin;

/// <summary>
/// <c>&lt;event-time utc="@stored" /&gt;</c>: a stored (UTC) time as admins read it, in the event's time
/// zone, which the admin layout names on every page; the UTC time is in the element's title and its
/// machine-readable <c>datetime</c>. <c>in-utc</c> shows UTC instead, for the audit log's UTC view.
/// </summary>
[HtmlTargetElement("event-time", Attributes = "utc", TagStructure = TagStructure.WithoutEndTag)]
public sealed class EventTimeTagHelper(EventSettingsStore settingsStore) : TagHelper
{
    public DateTime? Utc { get; set; }

    /// <summary>With seconds, where the order of close events matters (the audit log, the email log).</summary>
    public bool Seconds { get; set; }

    public bool InUtc { get; set; }

    public override async Task ProcessAsync(TagHelperContext context, TagHelperOutput output)
    {
        output.TagName = "time";
        output.TagMode = TagMode.StartTagAndEndTag;
        if (Utc is not { } stored)
        {
            output.SuppressOutput();
            return;
        }
        var utc = DateTime.SpecifyKind(stored, DateTimeKind.Utc);
        var format = Seconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm";
        output.Attributes.SetAttribute("datetime", utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        output.Attributes.SetAttribute("title", utc.ToString(format, CultureInfo.InvariantCulture) + " UTC");
        var shown = InUtc ? utc : (await settingsStore.LoadAsync()).Local(utc);
        output.Content.SetContent(shown.ToString(format, CultureInfo.InvariantCulture) + (InUtc ? " UTC" : ""));
    }
}
