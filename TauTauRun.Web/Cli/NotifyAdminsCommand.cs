using MimeKit;
using TauTauRun.Web.Email;

namespace TauTauRun.Web.Cli;

/// <summary>
/// <c>notify-admins --subject TEXT</c>: emails the text on standard input to the addresses in
/// <c>ALARM_EMAIL_TO</c> (comma-separated, in /etc/tautaurun/tautaurun.env) through the app's own SMTP
/// settings, at once and without the database (the alarm may be about the database). Used by the
/// backup alarms: tautaurun-alarm@.service (OnFailure= of the backup units) and deploy/backup-job.sh (cron).
/// </summary>
internal sealed class NotifyAdminsCommand : ICommand
{
    public string Name => "notify-admins";
    public string Usage => "notify-admins --subject TEXT (the message on standard input)";

    public Func<IServiceProvider, TextWriter, Task> Prepare(string[] arguments)
    {
        var subject = arguments switch
        {
            ["--subject", var text] when !string.IsNullOrWhiteSpace(text) => text.Trim(),
            ["--subject", _] => throw new UsageException("the subject is empty"),
            [] => throw new UsageException("--subject is missing"),
            _ => throw new UsageException($"unexpected argument '{arguments[0]}'"),
        };
        return async (services, output) =>
        {
            var recipients = Recipients(services.GetRequiredService<IConfiguration>()["ALARM_EMAIL_TO"]);
            var body = await Console.In.ReadToEndAsync();
            var settings = services.GetRequiredService<EmailSettings>();
            var message = new MimeMessage { Subject = $"[TauTauRun alarm] {subject}", Body = new TextPart("plain") { Text = body, ContentTransferEncoding = ContentEncoding.QuotedPrintable } };
            message.From.Add(settings.From);
            message.To.AddRange(recipients);
            message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(settings.MessageIdDomain);
            // The command line queues mail for the service; an alarm goes out at once, by the service's transport.
            IMailTransport transport = settings.UsesPickupDirectory ? new PickupFolderTransport(settings) : new SmtpTransport(settings);
            try
            {
                await using var session = await transport.OpenAsync(CancellationToken.None);
                await session.SendAsync(message, CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or MailKit.ProtocolException
                                          or MailKit.CommandException or MailKit.Security.AuthenticationException)
            {
                throw new CommandFailedException($"could not send the alarm through {transport.Describe()}: {e.Message}");
            }
            output.WriteLine($"Alarm '{subject}' sent to {recipients.Count} address(es) through {transport.Describe()}.");
        };
    }

    private static List<MailboxAddress> Recipients(string? setting)
    {
        var addresses = (setting ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (addresses.Length == 0)
            throw new CommandFailedException("ALARM_EMAIL_TO is not set in /etc/tautaurun/tautaurun.env: no one to tell");
        return addresses.Select(address => MailboxAddress.TryParse(address, out var mailbox)
            ? mailbox
            : throw new CommandFailedException($"ALARM_EMAIL_TO holds '{address}', which is not an email address")).ToList();
    }
}
