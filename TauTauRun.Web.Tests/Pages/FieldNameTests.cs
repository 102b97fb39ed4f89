using System.Net;
using Dapper;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Pages;

/// <summary>
/// A field name no form has, such as one with an unclosed '[' (the jQuery key syntax's reader threw on it:
/// a 500 the fuzz test found with seed 7pDll0YWiK0g5De8), is ignored like any unknown field.
/// </summary>
public sealed class FieldNameTests : DatabaseTest
{
    [TestCase("/register", "form.runner-form")]
    [TestCase("/status/link", "main form")]
    [TestCase("/admin/login", "form")]
    public async Task A_field_named_with_an_unclosed_bracket_is_ignored(string page, string form)
    {
        using var app = new TestApp();
        long race;
        await using (var connection = await OpenAsync())
            race = await TestData.CategoryAsync(connection);
        var client = new FormClient(Runners.NewClient(app));
        var values = page == "/register" ? Runners.Form(race) : new Dictionary<string, string>();
        values["Form[Email"] = "x";
        values["[<script>"] = "y";

        var response = await client.SubmitAsync(await client.GetAsync(page), page, values, form);

        Assert.That((int)response.StatusCode, Is.LessThan(500), await response.Content.ReadAsStringAsync());
        if (page == "/register")
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "the registration itself is unaffected");
            await using var connection = await OpenAsync();
            Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM participants"), Is.EqualTo(1));
        }
    }
}
