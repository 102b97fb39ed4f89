using System.Net;
using Dapper;
using Npgsql;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>Registrations made through the public form, as runners make them.</summary>
public static class Runners
{
    /// <summary>A complete, valid form for <paramref name="categoryId"/>.</summary>
    public static Dictionary<string, string> Form(long categoryId, string? email = null) => new()
    {
        ["Form.CategoryId"] = categoryId.ToString(),
        ["Form.FullName"] = "Anna de Vries",
        ["Form.Email"] = email ?? $"runner-{Guid.NewGuid():N}@runners.test",
        ["Form.Phone"] = "+31 6 1234 5678",
        ["Form.DateOfBirth"] = "1990-04-01",
        ["Form.Gender"] = "F",
        ["Form.TshirtSize"] = "M",
        ["Form.EmergencyContactName"] = "Jan de Vries",
        ["Form.EmergencyContactPhone"] = "06-87654321",
        ["Form.AcceptWaiver"] = "true",
    };

    /// <summary>GETs the form and posts it; the response is not followed (see its Location).</summary>
    public static async Task<HttpResponseMessage> RegisterAsync(TestApp app, IReadOnlyDictionary<string, string> values)
    {
        var client = new FormClient(NewClient(app));
        var page = await client.GetAsync("/register");
        return await client.SubmitAsync(page, "/register", values, "form.runner-form");
    }

    /// <summary>A client that keeps cookies and shows redirects instead of following them.</summary>
    public static HttpClient NewClient(TestApp app) =>
        app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false,
            BaseAddress = app.ClientOptions.BaseAddress, // the Kestrel address, once the app serves on one
        });

    /// <summary>The status link a successful registration redirects to.</summary>
    public static string StatusPath(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.Redirect)
            return response.Headers.Location!.OriginalString.Split('?')[0];
        // A client on a real Kestrel port follows redirects whatever it was asked: it has already arrived.
        if (response.StatusCode == HttpStatusCode.OK && response.RequestMessage?.RequestUri is { AbsolutePath: var path } && path.StartsWith("/status/"))
            return path;
        var page = FormClient.ParseAsync(response).GetAwaiter().GetResult();
        var errors = string.Join("; ", page.QuerySelectorAll(".error, .errors").Select(e => e.TextContent.Trim()).Where(t => t.Length > 0));
        Assert.Fail($"the registration should have succeeded, got {(int)response.StatusCode}: {errors}");
        return "";
    }

    public static async Task<string> StatusOfAsync(NpgsqlConnection connection, string email) =>
        await connection.ExecuteScalarAsync<string>("SELECT payment_status FROM participants WHERE email = @email", new { email }) ?? "";
}
