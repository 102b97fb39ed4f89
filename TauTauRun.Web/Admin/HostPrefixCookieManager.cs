using Microsoft.AspNetCore.Authentication.Cookies;

namespace TauTauRun.Web.Admin;

/// <summary>
/// Adds the <c>__Host-</c> prefix to cookie names on HTTPS requests: browsers then refuse the cookie
/// unless it is Secure, has Path=/ and no Domain, so no other host or plain-HTTP page can plant or
/// overwrite it. Plain HTTP keeps the bare name, which browsers would reject otherwise, unless
/// <paramref name="always"/> (the cookie is then always Secure too, see <see cref="AdminSetup"/>).
/// </summary>
public sealed class HostPrefixCookieManager(bool always = false) : ICookieManager
{
    private readonly ChunkingCookieManager inner = new();

    private string Name(HttpContext context, string key) => always || context.Request.IsHttps ? "__Host-" + key : key;

    public string? GetRequestCookie(HttpContext context, string key) => inner.GetRequestCookie(context, Name(context, key));

    public void AppendResponseCookie(HttpContext context, string key, string? value, CookieOptions options) =>
        inner.AppendResponseCookie(context, Name(context, key), value, options);

    public void DeleteCookie(HttpContext context, string key, CookieOptions options) =>
        inner.DeleteCookie(context, Name(context, key), options);
}
