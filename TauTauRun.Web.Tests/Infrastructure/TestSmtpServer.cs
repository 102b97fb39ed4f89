using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using TauTauRun.Web.Development;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>
/// A real SMTP server on 127.0.0.1 (the SmtpServer package, in this process) that keeps what it
/// receives. It can be stopped and started again on the same port (an outage), and told to refuse
/// some recipients with a permanent 5xx.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> messages = new();
    private readonly ConcurrentDictionary<string, bool> refused = new(StringComparer.OrdinalIgnoreCase);
    private CancellationTokenSource? running;
    private Task? serving;

    public int Port { get; } = LocalCluster.FreeTcpPort();
    public IReadOnlyCollection<MimeMessage> Messages => messages;

    /// <summary>Settings for the app under test, as the plan's environment variables.</summary>
    public Dictionary<string, string?> AppSettings => new()
    {
        ["SMTP_HOST"] = "127.0.0.1",
        ["SMTP_PORT"] = Port.ToString(),
        ["SMTP_SECURITY"] = "none",
        ["SMTP_FROM"] = "Tau-Tau Run <noreply@tautaurun.test>",
    };

    /// <summary>The same for a child process (<see cref="AppProcess"/>), whose worker looks for mail every 100 ms, with <paramref name="more"/> settings.</summary>
    public Dictionary<string, string> ProcessSettings(params (string Name, string Value)[] more)
    {
        var settings = AppSettings.ToDictionary(s => s.Key, s => s.Value!);
        settings["Email__PollInterval"] = "00:00:00.100";
        foreach (var (name, value) in more)
            settings[name] = value;
        return settings;
    }

    public void Refuse(string recipient) => refused[recipient] = true;

    public void Accept(string recipient) => refused.TryRemove(recipient, out _);

    public void Start()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(messages));
        services.Add(new RecipientFilter(refused));
        running = new CancellationTokenSource();
        serving = new SmtpServer.SmtpServer(options, services).StartAsync(running.Token);
    }

    /// <summary>Closes the port: connections are refused until <see cref="Start"/>.</summary>
    public async Task StopAsync()
    {
        if (running is null)
            return;
        await running.CancelAsync();
        try
        {
            await serving!;
        }
        catch (OperationCanceledException)
        {
        }
        running.Dispose();
        running = null;
    }

    /// <summary>Waits until at least <paramref name="count"/> messages arrived, or the deadline passed.</summary>
    public async Task<IReadOnlyCollection<MimeMessage>> WaitForAsync(int count, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(30));
        while (messages.Count < count && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        return messages;
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private sealed class Store(ConcurrentQueue<MimeMessage> messages) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }

    private sealed class RecipientFilter(ConcurrentDictionary<string, bool> refused) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) =>
            Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken) =>
            Task.FromResult(!refused.ContainsKey($"{to.User}@{to.Host}"));
    }
}
