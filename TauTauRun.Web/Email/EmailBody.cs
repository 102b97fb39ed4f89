using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using TauTauRun.Web.Localization;

namespace TauTauRun.Web.Email;

/// <summary>
/// Builds an email's HTML and plain-text bodies side by side, so the two always say the same thing.
/// Every value is HTML-encoded on the way in (names like <c>José</c> or <c>王小明</c> stay readable). The
/// document's language is the current UI culture's, the one the message is written in.
/// </summary>
internal sealed class EmailBody
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);
    private readonly StringBuilder html = new();
    private readonly StringBuilder text = new();

    public EmailBody Paragraph(string value)
    {
        html.Append("<p>").Append(Encoder.Encode(value)).Append("</p>\n");
        text.Append(value).Append("\n\n");
        return this;
    }

    public EmailBody Facts(params (string Label, string Value)[] facts)
    {
        html.Append("<table cellpadding=\"4\" style=\"border-collapse:collapse\">\n");
        foreach (var (label, value) in facts)
        {
            html.Append("<tr><th align=\"left\">").Append(Encoder.Encode(label)).Append("</th><td>")
                .Append(Encoder.Encode(value)).Append("</td></tr>\n");
            text.Append(label).Append(": ").Append(value).Append('\n');
        }
        html.Append("</table>\n");
        text.Append('\n');
        return this;
    }

    public EmailBody Link(string label, string url)
    {
        html.Append("<p><a href=\"").Append(Encoder.Encode(url)).Append("\">").Append(Encoder.Encode(label)).Append("</a></p>\n");
        text.Append(label).Append(": ").Append(url).Append("\n\n");
        return this;
    }

    /// <summary>The reference as a QR code for the check-in table (HTML only: the text version has the reference itself).</summary>
    public EmailBody QrCode(string reference)
    {
        html.Append("<p>").Append(ReferenceQrCode.Svg(reference)).Append("</p>\n");
        return this;
    }

    public RenderedEmail Build(string subject, string eventName) => new(
        subject,
        $"""
        <!DOCTYPE html>
        <html lang="{Languages.Current}"><head><meta charset="utf-8"><title>{Encoder.Encode(subject)}</title></head>
        <body style="font-family:sans-serif;line-height:1.5;color:#1f2937;max-width:40em">
        <h1 style="font-size:1.3em;color:#c2410c">{Encoder.Encode(eventName)}</h1>
        {html}</body></html>
        """,
        $"{eventName}\n\n{text}".TrimEnd() + "\n");
}

/// <summary>A message ready for the outbox.</summary>
public sealed record RenderedEmail(string Subject, string Html, string Text);
