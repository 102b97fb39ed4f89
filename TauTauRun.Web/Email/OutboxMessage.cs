using MimeKit;

namespace TauTauRun.Web.Email;

/// <summary>A row of <c>email_logs</c> claimed for delivery.</summary>
public sealed record OutboxMessage(long Id, string Kind, string Recipient, string Subject, string HtmlBody, string TextBody, string MessageId, int Attempts)
{
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
                new TextPart("plain") { Text = TextBody, ContentTransferEncoding = ContentEncoding.QuotedPrintable },
                new TextPart("html") { Text = HtmlBody, ContentTransferEncoding = ContentEncoding.QuotedPrintable },
            },
        };
        message.From.Add(from);
        if (replyTo is not null)
            message.ReplyTo.Add(replyTo);
        message.To.Add(MailboxAddress.Parse(Recipient));
        return message;
    }
}
