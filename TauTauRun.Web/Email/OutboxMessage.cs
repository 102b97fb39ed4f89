using MimeKit;

namespace TauTauRun.Web.Email;

/// <summary>
/// A row of <c>email_logs</c> claimed for delivery. A status link is stored as a placeholder and its
/// token beside the body, cleared once the message is sent or given up: after delivery no table holds
/// a runner's link. Without a token (a resend after it was cleared) the link goes to the page that
/// sends a fresh one. A group message's copy has no <see cref="Kind"/> (it has no built-in template).
/// </summary>
public sealed record OutboxMessage(long Id, string? Kind, string Recipient, string Subject, string HtmlBody, string TextBody, string MessageId, int Attempts,
    string? StatusToken)
{
    /// <summary>Stands for the token in a stored body; made of the token's own characters, so no encoding changes it.</summary>
    public const string StatusTokenPlaceholder = "TOKEN-ADDED-WHEN-SENT";

    /// <summary>
    /// The one place a runner's <see cref="MimeMessage"/> is built. Both parts declare quoted-printable:
    /// any text, any line length, and nothing left for a relay to re-encode (which would break DKIM).
    /// </summary>
    /// <param name="replyTo">The organiser's address from the event settings; null: replies go to <paramref name="from"/>.</param>
    public MimeMessage ToMimeMessage(MailboxAddress from, MailboxAddress? replyTo)
    {
        var message = new MimeMessage
        {
            MessageId = MessageId,
            Subject = Subject,
            Body = new MultipartAlternative
            {
                new TextPart("plain") { Text = WithStatusLink(TextBody), ContentTransferEncoding = ContentEncoding.QuotedPrintable },
                new TextPart("html") { Text = WithStatusLink(HtmlBody), ContentTransferEncoding = ContentEncoding.QuotedPrintable },
            },
        };
        // Copies: an address added to a list keeps that list (and its message) alive through an event
        // handler, so one shared sender would keep every message ever sent in memory.
        message.From.Add(Copy(from));
        if (replyTo is not null)
            message.ReplyTo.Add(Copy(replyTo));
        message.To.Add(MailboxAddress.Parse(Recipient));
        return message;
    }

    private static MailboxAddress Copy(MailboxAddress address) => new(address.Encoding, address.Name, address.Route, address.Address);

    private string WithStatusLink(string body) =>
        body.Replace($"/status/{StatusTokenPlaceholder}", $"/status/{StatusToken ?? "link"}", StringComparison.Ordinal);
}
