using MimeKit;

namespace TauTauRun.Web.Email;

/// <summary>
/// A row of <c>email_logs</c> claimed for delivery. A status link is stored as a placeholder and its
/// token beside the body, cleared once the message is sent or given up: after delivery no table holds
/// a runner's link. Without a token (a resend after it was cleared) the link goes to the page that
/// sends a fresh one.
/// </summary>
public sealed record OutboxMessage(long Id, string Kind, string Recipient, string Subject, string HtmlBody, string TextBody, string MessageId, int Attempts,
    string? StatusToken)
{
    /// <summary>Stands for the token in a stored body; made of the token's own characters, so no encoding changes it.</summary>
    public const string StatusTokenPlaceholder = "TOKEN-ADDED-WHEN-SENT";

    /// <summary>The one place a <see cref="MimeMessage"/> is built.</summary>
    public MimeMessage ToMimeMessage(MailboxAddress from)
    {
        var message = new MimeMessage
        {
            MessageId = MessageId,
            Subject = Subject,
            Body = new BodyBuilder { TextBody = WithStatusLink(TextBody), HtmlBody = WithStatusLink(HtmlBody) }.ToMessageBody(),
        };
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(Recipient));
        return message;
    }

    private string WithStatusLink(string body) =>
        body.Replace($"/status/{StatusTokenPlaceholder}", $"/status/{StatusToken ?? "link"}", StringComparison.Ordinal);
}
