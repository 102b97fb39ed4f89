using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Faults;

/// <summary>
/// Runners registering as fast as they can, as people with browsers do: each GETs the form, posts it
/// with its antiforgery token, and when no answer comes (the app died, the database is away) presses
/// submit again with the same form until one does. A registration counts as acknowledged only when the
/// runner was redirected to its status page: that is the promise the app must keep.
/// </summary>
public sealed class RegistrationLoad(Func<HttpClient> newClient, IReadOnlyList<long> categoryIds)
{
    private readonly ConcurrentQueue<string> acknowledged = new();
    private readonly ConcurrentQueue<string> surprises = new();
    private readonly ConcurrentDictionary<int, int> answers = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> waiters = [];
    private readonly ConcurrentQueue<DateTime> lostAnswers = new();

    /// <summary>The email addresses of the runners who were told they are registered (or waitlisted).</summary>
    public IReadOnlyCollection<string> Acknowledged => acknowledged;
    /// <summary>Answers no runner should ever see from this fault (filled by <see cref="RunAsync"/>'s judge).</summary>
    public IReadOnlyCollection<string> Surprises => surprises;
    /// <summary>How many answers of each status code the runners got, for the test's own assertions.</summary>
    public IReadOnlyDictionary<int, int> Answers => answers;
    /// <summary>Requests that reached the app but got no answer (a reset or a cut-off response): a kill does that, a clean stop must not.</summary>
    public int LostAnswers => lostAnswers.Count;
    /// <summary>When each request that got no answer was sent.</summary>
    public IReadOnlyCollection<DateTime> LostAnswersSentAt => lostAnswers;

    /// <summary>Completes once <paramref name="count"/> registrations in all have been acknowledged.</summary>
    public Task WhenAcknowledgedAsync(int count)
    {
        lock (waiters)
        {
            if (acknowledged.Count >= count)
                return Task.CompletedTask;
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((count, reached));
            return reached.Task;
        }
    }

    /// <summary>
    /// Runs <paramref name="runners"/> runners until <paramref name="stop"/> is cancelled; each then
    /// finishes the registration it started. <paramref name="expected"/> says which answers are normal
    /// while the fault lasts; any other is a surprise.
    /// </summary>
    public Task RunAsync(int runners, Func<HttpStatusCode, bool> expected, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, runners).Select(runner => Task.Run(() => RunnerAsync(runner, expected, stop))));

    /// <summary>Runs <paramref name="runners"/> runners, with no fault, until <paramref name="count"/> registrations in all are acknowledged.</summary>
    public async Task RunUntilAcknowledgedAsync(int runners, int count)
    {
        using var stop = new CancellationTokenSource();
        var rush = RunAsync(runners, expected: _ => false, stop.Token);
        await Task.WhenAny(WhenAcknowledgedAsync(count), rush);
        await stop.CancelAsync();
        await rush;
    }

    private async Task RunnerAsync(int runner, Func<HttpStatusCode, bool> expected, CancellationToken stop)
    {
        for (var attempt = 0; !stop.IsCancellationRequested; attempt++)
        {
            using var client = newClient();
            var email = $"load-{runner}-{attempt}-{Guid.NewGuid():N}@runners.test";
            var category = categoryIds[(runner + attempt) % categoryIds.Count];
            var form = await UntilAnsweredAsync(() => client.GetAsync("/register"), expected, stop);
            if (form is null || form.StatusCode != HttpStatusCode.OK)
                continue;
            var page = await FormClient.ParseAsync(form);
            var fields = Runners.Form(category, email);
            fields["Form.JoinWaitlist"] = "true";
            var submit = new FormClient(client);
            // The same form again after a lost answer: a retry must find the registration, never add one.
            var answer = await UntilAnsweredAsync(() => submit.SubmitAsync(page, "/register", fields, "form.runner-form"), expected, CancellationToken.None);
            if (answer?.StatusCode == HttpStatusCode.Redirect && answer.Headers.Location!.OriginalString.StartsWith("/status/"))
                Acknowledge(email);
            else if (answer is { StatusCode: < HttpStatusCode.BadRequest })
                surprises.Enqueue($"the form was answered {(int)answer.StatusCode} instead of a status link");
        }
    }

    private void Acknowledge(string email)
    {
        lock (waiters)
        {
            acknowledged.Enqueue(email);
            foreach (var waiter in waiters.Where(w => w.Count <= acknowledged.Count).ToList())
            {
                waiter.Reached.SetResult();
                waiters.Remove(waiter);
            }
        }
    }

    /// <summary>
    /// Sends until the app answers with something other than a normal fault answer; connection failures
    /// and normal fault answers mean "try again shortly". Null when <paramref name="stop"/> ends it first.
    /// </summary>
    private async Task<HttpResponseMessage?> UntilAnsweredAsync(
        Func<Task<HttpResponseMessage>> send, Func<HttpStatusCode, bool> expected, CancellationToken stop)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            if (stop.IsCancellationRequested)
                return null;
            try
            {
                var sentAt = DateTime.UtcNow;
                HttpResponseMessage response;
                try
                {
                    response = await send();
                }
                catch (HttpRequestException e) when (e.InnerException is not SocketException { SocketErrorCode: SocketError.ConnectionRefused })
                {
                    lostAnswers.Enqueue(sentAt);
                    throw;
                }
                answers.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                if ((int)response.StatusCode < 400)
                    return response;
                if (!expected(response.StatusCode))
                {
                    surprises.Enqueue($"{(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}: {Excerpt(await response.Content.ReadAsStringAsync())}");
                    return response;
                }
            }
            catch (HttpRequestException)
            {
                // The app is down or went down mid-request: a browser shows an error and the runner tries again.
            }
            catch (TaskCanceledException) when (!stop.IsCancellationRequested)
            {
                // Timed out while the app was frozen in a fault.
            }
            catch (SocketException)
            {
                // .NET lets this out unwrapped when the app dies while the connection is being opened
                // ("Transport endpoint is not connected"): nothing was sent, so the runner tries again.
            }
            await Task.Delay(50, CancellationToken.None);
        }
        surprises.Enqueue("no answer for three minutes");
        return null;
    }

    private static string Excerpt(string body) => body.Length > 300 ? body[..300] : body;
}
