using System.Net;
using System.Net.Http.Headers;
using AngleSharp.Html.Dom;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Faults;

/// <summary><c>systemctl restart</c> under load: SIGTERM, a clean exit, a new start.</summary>
[Category("Faults")]
public sealed class StopTests : DatabaseTest
{
    [Test]
    public async Task SIGTERM_lets_every_request_in_flight_finish_with_no_reset_and_no_5xx()
    {
        long category;
        await using (var connection = await OpenAsync())
            category = await TestData.CategoryAsync(connection, capacity: 1000);
        await using var app = await AppProcess.StartAsync();
        // A connection per request: a kept-alive connection that is idle when the stop comes is closed by
        // the server while the client may be sending on it (HTTP/1.1's own race, not a request in flight).
        var load = new RegistrationLoad(() => OneRequestPerConnection(app), [category]);
        using var stop = new CancellationTokenSource();
        var rush = load.RunAsync(runners: 8, expected: _ => false, stop.Token);
        await load.WhenAcknowledgedAsync(10);
        // A runner on a slow phone connection, mid-way through sending the form when the stop comes.
        using var slowClient = app.NewClient();
        var page = await new FormClient(slowClient).GetAsync("/register");
        var fields = FormClient.Fields((IHtmlFormElement)page.QuerySelector("form.runner-form")!);
        foreach (var (name, value) in Runners.Form(category))
            fields[name] = value;
        var slowBody = new TricklingContent(fields);
        var slowPost = slowClient.PostAsync("/register", slowBody);
        await slowBody.Started;

        Assert.That(slowPost.IsCompleted, Is.False, "the slow form must still be on its way when the stop comes");
        var terminating = DateTime.UtcNow;
        Assert.That(await app.StopAsync(), Is.Zero, "a clean stop exits 0");
        var slow = await slowPost;
        await app.StartAsync();
        await load.WhenAcknowledgedAsync(load.Acknowledged.Count + 10);
        await stop.CancelAsync();
        await rush;

        Assert.That(slow.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "the request in flight at SIGTERM was answered");
        Assert.That(load.Surprises, Is.Empty, app.ErrorLog());
        // Sent before the stop, a request was in flight and must be answered. One sent after may meet the
        // listener closing with its connection still in the kernel's queue, and be reset: the runner
        // presses submit again once the app is back, as with a refused connection.
        Assert.That(load.LostAnswersSentAt.Where(sent => sent < terminating), Is.Empty, "no request in flight at the stop went unanswered");
        Assert.That(load.Answers.Keys.Where(code => code >= 500), Is.Empty);
        Assert.That(await RegistrationInvariants.ViolationsAsync(TestDatabase.ConnectionString, load.Acknowledged.ToList()), Is.Empty);
    }

    private static HttpClient OneRequestPerConnection(AppProcess app)
    {
        var client = app.NewClient();
        client.DefaultRequestHeaders.ConnectionClose = true;
        return client;
    }

    /// <summary>A form body sent a few bytes at a time over two seconds; <see cref="Started"/> once the first are out.</summary>
    private sealed class TricklingContent : HttpContent
    {
        private readonly byte[] body;
        private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TricklingContent(IReadOnlyDictionary<string, string> fields)
        {
            body = new FormUrlEncodedContent(fields).ReadAsByteArrayAsync().Result;
            Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        }

        public Task Started => started.Task;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = Math.Max(1, body.Length / 10);
            for (var offset = 0; offset < body.Length; offset += chunk)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(chunk, body.Length - offset)));
                await stream.FlushAsync();
                started.TrySetResult();
                await Task.Delay(200);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
