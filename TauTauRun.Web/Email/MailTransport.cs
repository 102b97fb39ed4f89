using MailKit.Net.Smtp;
using MimeKit;

namespace TauTauRun.Web.Email;

/// <summary>Where messages go: an SMTP server, or a pickup folder of .eml files when no SMTP_HOST is set.</summary>
public interface IMailTransport
{
    /// <summary>One connection for a whole batch.</summary>
    Task<IMailSession> OpenAsync(CancellationToken cancellationToken);
    string Describe();
}

public interface IMailSession : IAsyncDisposable
{
    Task SendAsync(MimeMessage message, CancellationToken cancellationToken);
}

internal sealed class SmtpTransport(EmailSettings settings) : IMailTransport
{
    public string Describe() => $"SMTP {settings.Host}:{settings.Port}";

    public async Task<IMailSession> OpenAsync(CancellationToken cancellationToken)
    {
        var client = new SmtpClient { Timeout = 30_000 };
        try
        {
            await client.ConnectAsync(settings.Host!, settings.Port, settings.Security, cancellationToken);
            if (settings.Username is not null)
                await client.AuthenticateAsync(settings.Username, settings.Password ?? "", cancellationToken);
            return new Session(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private sealed class Session(SmtpClient client) : IMailSession
    {
        public Task SendAsync(MimeMessage message, CancellationToken cancellationToken) => client.SendAsync(message, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (client.IsConnected)
                    await client.DisconnectAsync(quit: true);
            }
            catch (Exception e) when (e is IOException or MailKit.ProtocolException or MailKit.ServiceNotConnectedException)
            {
                // The messages are already accepted or already marked failed; a broken goodbye changes nothing.
            }
            client.Dispose();
        }
    }
}

/// <summary>Writes each message as <c>&lt;message-id&gt;.eml</c>; a temporary name first, so readers never see half a file.</summary>
internal sealed class PickupFolderTransport(EmailSettings settings) : IMailTransport, IMailSession
{
    public string Describe() => $"pickup folder {settings.PickupDirectory}";

    /// <summary>
    /// Made at start, so the folder the run command names is there to open before the first message.
    /// A folder that cannot be made does not stop the service: each delivery then fails and says why.
    /// </summary>
    public static void CreateFolder(EmailSettings settings, ILogger logger)
    {
        try
        {
            Directory.CreateDirectory(settings.PickupDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot create the mail pickup folder {Folder} ({Reason})", settings.PickupDirectory, e.Message);
        }
    }

    public Task<IMailSession> OpenAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.PickupDirectory);
        return Task.FromResult<IMailSession>(this);
    }

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var path = Path.Combine(settings.PickupDirectory, $"{message.MessageId}.eml");
        var staging = path + ".tmp";
        await message.WriteToAsync(staging, cancellationToken);
        File.Move(staging, path, overwrite: true);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
