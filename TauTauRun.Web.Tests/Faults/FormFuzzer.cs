using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using AngleSharp.Html.Parser;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Faults;

/// <summary>What the app answered to one submission, and what was wrong with the answer (null when nothing).</summary>
public sealed record FuzzAnswer(Submission Submission, int Status, bool ReachedHandler, string? Problem);

/// <summary>
/// Sends generated submissions to the running app as browsers (and forgers) would: each worker holds a
/// session with its antiforgery cookie and token from a GET; admin logins each use a fresh client from one
/// of many loopback addresses, as logins come from many people, so the per-address login limit does not
/// refuse them all. Registrations it sees succeed give the status links the status forms post to.
/// </summary>
public sealed class FormFuzzer(AppProcess app)
{
    private const string TokenField = "__RequestVerificationToken";
    private const int Padding = 100_000; // over every runner form's size limit
    private const int FormValueLimit = 1024; // FormOptions.ValueCountLimit
    private const int SmallestFormLimit = 8 * 1024; // the status link form's
    private static readonly HtmlParser Parser = new();
    private readonly List<string> statusTokens = [];
    private readonly ConcurrentQueue<FuzzAnswer> answers = new();
    // The login locks the admin's row while it checks a password (so parallel guesses cannot outrun the
    // lockout): parallel logins to one name queue there, and on a busy machine the queue outlasts the
    // database timeout. Inputs are what this test is about, so logins go two at a time.
    private readonly SemaphoreSlim logins = new(2);

    /// <summary>The status links of the registrations the app acknowledged.</summary>
    public IReadOnlyList<string> StatusTokens
    {
        get { lock (statusTokens) return statusTokens.ToList(); }
    }

    public async Task<IReadOnlyList<FuzzAnswer>> RunAsync(IReadOnlyList<Submission> submissions, int workers)
    {
        var sessions = await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Session.StartAsync(app, null, "/register")));
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < submissions.Count; i = Interlocked.Increment(ref next))
                answers.Enqueue(await SendAsync(submissions[i], sessions[worker], sessions[(worker + 1) % workers]));
        })));
        foreach (var session in sessions)
            session.Client.Dispose();
        return answers.ToList();
    }

    private async Task<FuzzAnswer> SendAsync(Submission submission, Session session, Session other)
    {
        if (submission.Form == FuzzForm.AdminLogin)
        {
            // A login that works signs the client in, and its anonymous token would no longer fit: one client each.
            await logins.WaitAsync();
            try
            {
                var login = await Session.StartAsync(app, LoopbackAddress(submission.Number), AdminSession.AdminLogin);
                using (login.Client)
                    return await PostAsync(submission, login, other);
            }
            finally
            {
                logins.Release();
            }
        }
        return await PostAsync(submission, session, other);
    }

    private async Task<FuzzAnswer> PostAsync(Submission submission, Session session, Session other)
    {
        var fields = submission.Fields.ToList();
        var token = Encoding.ASCII.GetBytes(session.Token);
        switch (submission.Forgery)
        {
            case ForgeryToken.Valid:
                fields.Add((FuzzSubmissions.Utf8(TokenField), token));
                break;
            case ForgeryToken.Random:
                fields.Add((FuzzSubmissions.Utf8(TokenField), Encoding.ASCII.GetBytes(Convert.ToBase64String(SHA256.HashData(token)))));
                break;
            case ForgeryToken.Foreign:
                fields.Add((FuzzSubmissions.Utf8(TokenField), Encoding.ASCII.GetBytes(other.Token)));
                break;
            case ForgeryToken.Doubled:
                fields.Insert(0, (FuzzSubmissions.Utf8(TokenField), FuzzSubmissions.Utf8("CfDJ8" + new string('A', 100))));
                fields.Add((FuzzSubmissions.Utf8(TokenField), token));
                break;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, Path(submission)) { Content = Body(submission, fields) };
        // The app may close the connection after refusing a body over a limit: such a body gets a connection of its own.
        var overLimit = request.Content.Headers.ContentLength is null or > SmallestFormLimit || fields.Count > FormValueLimit;
        using var own = overLimit ? app.NewClient(session.Cookies) : null;
        try
        {
            using var response = await (own ?? session.Client).SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            return Judge(submission, response, body);
        }
        catch (HttpRequestException e) when (overLimit)
        {
            // Refusing a body over a limit may close the connection before the client has sent it all or read the answer.
            return new FuzzAnswer(submission, 0, false, e.InnerException is IOException or SocketException ? null : e.Message);
        }
        catch (HttpRequestException e)
        {
            return new FuzzAnswer(submission, 0, false, $"no answer: {e.Message} {e.InnerException?.Message}");
        }
    }

    private FuzzAnswer Judge(Submission submission, HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        string? problem = null;
        if (status >= 500)
            problem = $"{status}: {Excerpt(body)}";
        else if (response.Content.Headers.ContentType?.MediaType == "text/html"
                 && Parser.ParseDocument(body).QuerySelector($"[{FuzzSubmissions.MarkerAttribute}]") is { } element)
            problem = $"the answer holds a fuzz element: {Excerpt(element.OuterHtml)}";
        var location = response.Headers.Location?.OriginalString;
        if (response.StatusCode == HttpStatusCode.Redirect && submission.Form == FuzzForm.AdminLogin
            && !(location is not null && location.StartsWith("/admin") && !location.StartsWith("//")))
            problem = $"the login redirected off the admin area, to {location}";
        if (response.StatusCode == HttpStatusCode.Redirect && submission.Form == FuzzForm.Register && location!.StartsWith("/status/"))
            lock (statusTokens)
                statusTokens.Add(location["/status/".Length..].Split('?')[0]);
        // The limits answer before the handler; a refused antiforgery token is a 400 with no body.
        var reached = status is not (413 or 415 or 429) && !(status == 400 && body.Length == 0);
        return new FuzzAnswer(submission, status, reached, problem);
    }

    private string Path(Submission submission)
    {
        var handler = submission.Form switch
        {
            FuzzForm.Register => null,
            FuzzForm.StatusLink => null,
            FuzzForm.AdminLogin => null,
            _ => submission.Form.ToString()["Status".Length..],
        };
        if (handler is null)
            return submission.Form switch
            {
                FuzzForm.Register => "/register",
                FuzzForm.StatusLink => "/status/link",
                _ => AdminSession.AdminLogin + submission.Query,
            };
        var known = StatusTokens;
        var token = submission.Route switch
        {
            RouteToken.Known when known.Count > 0 => known[submission.Number % known.Count],
            RouteToken.Malformed => Uri.EscapeDataString(new[] { "%00", "a", "..%2f..%2fadmin", "<i data-fuzz=\"0\">", new string('Z', 5000), "é" }[submission.Number % 6]),
            _ => Web.Registration.StatusTokens.New(),
        };
        return $"/status/{token}?handler={handler}";
    }

    private static HttpContent Body(Submission submission, List<(byte[] Name, byte[] Value)> fields)
    {
        var variant = submission.Number;
        switch (submission.Shape)
        {
            case BodyShape.Multipart:
                return Multipart(fields, "fuzz" + variant, "fuzz" + variant, closed: true);
            case BodyShape.BrokenMultipart:
                return (variant % 5) switch
                {
                    0 => WithType(FormEncoded(fields, escape: true), "multipart/form-data"), // no boundary
                    1 => Multipart(fields, "fuzz-a", "fuzz-b", closed: true), // boundary mismatch
                    2 => Multipart(fields, "fuzz" + variant, "fuzz" + variant, closed: false), // cut off
                    3 => Multipart(fields, new string('b', 200), new string('b', 200), closed: true), // boundary over the limit
                    _ => WithType(new ByteArrayContent(Encoding.ASCII.GetBytes("--x\r\nContent-Type: text/plain\r\n\r\nno name\r\n--x--\r\n")),
                        "multipart/form-data; boundary=x"),
                };
            case BodyShape.WrongContentType:
                var type = new[] { "text/plain", "application/json", "application/xml", "application/x-www-form-urlencoded; charset=utf-16",
                    "application/x-www-form-urlencoded; charset=no-such-charset", "multipart/mixed; boundary=x", "garbage;;;=" }[variant % 7];
                return WithType(FormEncoded(fields, escape: true), type);
            case BodyShape.NoContentType:
                return FormEncoded(fields, escape: true);
            case BodyShape.RawBytes:
                return WithType(FormEncoded(fields, escape: false), "application/x-www-form-urlencoded");
            case BodyShape.DeclaredOversize:
            case BodyShape.ChunkedOversize:
                fields.Add((FuzzSubmissions.Utf8("pad"), Encoding.ASCII.GetBytes(new string('x', Padding))));
                var bytes = FormEncoded(fields, escape: true);
                return WithType<HttpContent>(submission.Shape == BodyShape.DeclaredOversize ? bytes : new StreamContent(bytes.ReadAsStream()),
                    "application/x-www-form-urlencoded");
            default:
                return WithType(FormEncoded(fields, escape: true), "application/x-www-form-urlencoded");
        }
    }

    private static ByteArrayContent FormEncoded(IEnumerable<(byte[] Name, byte[] Value)> fields, bool escape)
    {
        var body = new MemoryStream();
        foreach (var (name, value) in fields)
        {
            if (body.Length > 0)
                body.WriteByte((byte)'&');
            Write(body, name, escape);
            body.WriteByte((byte)'=');
            Write(body, value, escape);
        }
        return new ByteArrayContent(body.ToArray());
    }

    private static void Write(MemoryStream body, byte[] bytes, bool escape)
    {
        foreach (var b in bytes)
        {
            if (!escape || char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
                body.WriteByte(b);
            else
                body.Write(Encoding.ASCII.GetBytes($"%{b:X2}"));
        }
    }

    private static ByteArrayContent Multipart(IEnumerable<(byte[] Name, byte[] Value)> fields, string declared, string used, bool closed)
    {
        var body = new MemoryStream();
        foreach (var (name, value) in fields)
        {
            body.Write(Encoding.ASCII.GetBytes($"--{used}\r\nContent-Disposition: form-data; name=\""));
            body.Write(name);
            body.Write("\"\r\n\r\n"u8);
            body.Write(value);
            body.Write("\r\n"u8);
        }
        if (closed)
            body.Write(Encoding.ASCII.GetBytes($"--{used}--\r\n"));
        return WithType(new ByteArrayContent(body.ToArray()), $"multipart/form-data; boundary={declared}");
    }

    private static T WithType<T>(T content, string type) where T : HttpContent
    {
        content.Headers.TryAddWithoutValidation("Content-Type", type);
        return content;
    }

    /// <summary>One of 250 addresses on the loopback network (all of 127.0.0.0/8 is this machine).</summary>
    private static IPAddress LoopbackAddress(int number) => new([127, 0, 1, (byte)(1 + number % 250)]);

    private static string Excerpt(string text) => text.Length > 300 ? text[..300] + "…" : text;

    /// <summary>A client with its antiforgery cookie and the form token that goes with it.</summary>
    private sealed record Session(HttpClient Client, CookieContainer Cookies, string Token)
    {
        public static async Task<Session> StartAsync(AppProcess app, IPAddress? source, string page)
        {
            var cookies = new CookieContainer();
            var client = app.NewClient(cookies, source);
            var html = await client.GetStringAsync(page);
            var token = Parser.ParseDocument(html).QuerySelector($"input[name={TokenField}]")?.GetAttribute("value")
                        ?? throw new InvalidOperationException($"{page} has no form token");
            return new Session(client, cookies, token);
        }
    }
}
