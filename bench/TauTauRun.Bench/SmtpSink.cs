using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace TauTauRun.Bench;

/// <summary>
/// An SMTP server on 127.0.0.1 that accepts every message and only counts it (the SmtpServer package,
/// as the tests use). Options: --port P (required); --count-file F, rewritten with the count about
/// ten times a second (created at 0 once listening); --expect N, exit after N messages, printing
/// "messages N seconds S" where S runs from the first message to the Nth.
/// </summary>
public static class SmtpSink
{
    public static async Task<int> RunAsync(Options options)
    {
        var port = int.Parse(options.Required("port"));
        var countFile = options.Optional("count-file");
        var expected = options.Int("expect", 0);
        var counter = new Counter(expected);
        var serverOptions = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(counter);
        services.Add(new NoDelayListenerFactory());
        // Not disposed: the exit handlers below may still fire after this method has returned.
        var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        var server = new SmtpServer.SmtpServer(serverOptions, services);
        var serving = server.StartAsync(stop.Token);
        await ListeningAsync(port, serving);

        var written = -1L;
        while (!stop.IsCancellationRequested && !counter.Done.IsCompleted)
        {
            if (countFile is not null && counter.Count != written)
                written = Write(countFile, counter.Count);
            await Task.WhenAny(counter.Done, Task.Delay(100, stop.Token).ContinueWith(_ => { }));
        }
        if (countFile is not null)
            Write(countFile, counter.Count);
        if (counter.Done.IsCompleted)
            Console.WriteLine($"messages {counter.Count} seconds {counter.Seconds.ToString("0.000", CultureInfo.InvariantCulture)}");
        await stop.CancelAsync();
        try
        {
            await serving;
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }

    /// <summary>The package has no "listening" event, so the port is tried until it answers.</summary>
    private static async Task ListeningAsync(int port, Task serving)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 100 && !serving.IsCompleted)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Written aside and renamed, so a reader never sees half a number.</summary>
    private static long Write(string path, long count)
    {
        File.WriteAllText(path + ".tmp", count.ToString(CultureInfo.InvariantCulture));
        File.Move(path + ".tmp", path, overwrite: true);
        return count;
    }

    private sealed class Counter(int expected) : MessageStore
    {
        private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long count;
        private long firstTimestamp;
        private long lastTimestamp;

        public long Count => Interlocked.Read(ref count);
        public Task Done => done.Task;
        public double Seconds => Stopwatch.GetElapsedTime(firstTimestamp, lastTimestamp).TotalSeconds;

        public override Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var now = Stopwatch.GetTimestamp();
            Interlocked.CompareExchange(ref firstTimestamp, now, 0);
            var n = Interlocked.Increment(ref count);
            if (expected > 0 && n == expected)
            {
                lastTimestamp = now;
                done.TrySetResult();
            }
            return Task.FromResult(SmtpResponse.Ok);
        }
    }

    /// <summary>
    /// Replies go out at once (TCP_NODELAY on each accepted socket). With Nagle's algorithm on, a
    /// pipelining client such as MailKit waited for a delayed ACK on every message: about 20
    /// messages/s, so the sink, not the sender, was what a drain measured.
    /// </summary>
    private sealed class NoDelayListenerFactory : IEndpointListenerFactory
    {
        public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
        {
            var listener = new TcpListener(endpointDefinition.Endpoint);
            listener.Start();
            return new Listener(listener);
        }

        private sealed class Listener(TcpListener listener) : IEndpointListener
        {
            public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
            {
                var client = await listener.AcceptTcpClientAsync(cancellationToken);
                client.NoDelay = true;
                return new Pipe(client);
            }

            public void Dispose() => listener.Stop();
        }

        /// <summary>The connection as the package's pipe (plain text only: the sink offers no STARTTLS).</summary>
        private sealed class Pipe(TcpClient client) : ISecurableDuplexPipe
        {
            public PipeReader Input { get; } = PipeReader.Create(client.GetStream());
            public PipeWriter Output { get; } = PipeWriter.Create(client.GetStream());
            public bool IsSecure => false;
            public SslProtocols SslProtocol => SslProtocols.None;

            public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default) =>
                throw new NotSupportedException("the sink has no TLS");

            public void Dispose() => client.Dispose();
        }
    }
}
