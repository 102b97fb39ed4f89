using MimeKit;

namespace TauTauRun.Web.Email;

/// <summary>A row of <c>email_logs</c> claimed for delivery.</summary>
public sealed record OutboxMessage(long Id, string Kind, string Recipient, string Subject, string HtmlBody, string TextBody, string MessageId, int Attempts)
{
    /// <summary>The one place a <see cref="MimeMessage"/> is built.</summary>
    public MimeMessage ToMimeMessage(MailboxAddress from)
    {
        var message = new MimeMessage
        {
            MessageId = MessageId,
            Subject = Subject,
            Body = new BodyBuilder { TextBody = TextBody, HtmlBody = HtmlBody }.ToMessageBody(),
        };
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(Recipient));
        return message;
    }
}
