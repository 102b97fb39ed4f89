using System.Collections.Concurrent;

namespace TauTauRun.Bench.Data;

/// <summary>
/// Keeps the app's cookies and sends them back, Secure ones included. In production the admin cookies are
/// Secure (served behind nginx's TLS); the bench talks to the app directly over plain HTTP, where a
/// <see cref="System.Net.CookieContainer"/> would keep them and never send them, and every admin page would
/// answer with the login's redirect.
/// </summary>
public sealed class PlainHttpCookies() : DelegatingHandler(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
{
    private readonly ConcurrentDictionary<string, string> cookies = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!cookies.IsEmpty)
            request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
        var response = await base.SendAsync(request, cancellationToken);
        foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            var pair = header.Split(';', 2)[0].Split('=', 2);
            if (pair.Length != 2)
                continue;
            if (pair[1].Length == 0 || header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                cookies.TryRemove(pair[0], out _);
            else
                cookies[pair[0]] = pair[1];
        }
        return response;
    }
}
