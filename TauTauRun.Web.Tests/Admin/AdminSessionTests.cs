using Dapper;
using Microsoft.AspNetCore.Hosting;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Admin;

/// <summary>Security stamps and the key ring in the database: which cookies live on and which end.</summary>
public sealed class AdminSessionTests : DatabaseTest
{
    private const string Password = AdminSession.TestPassword;

    [Test]
    public async Task A_cookie_from_one_instance_works_on_another_on_the_same_database()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var first = new TestApp();
        using var firstSession = new AdminSession(first);
        await firstSession.LogInOrFailAsync("alice", Password);
        await first.DisposeAsync(); // the restart: nothing of the first instance survives but the database

        using var second = new TestApp();
        using var secondSession = new AdminSession(second, firstSession.Cookies);
        var response = await secondSession.GetAsync("/admin");

        Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("Signed in as"));
    }

    [Test]
    public async Task The_key_ring_is_kept_in_the_database()
    {
        await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        using var session = new AdminSession(app);

        await session.LogInOrFailAsync("alice", Password);

        await using var connection = await OpenAsync();
        var keys = (await connection.QueryAsync<string>("SELECT xml FROM data_protection_keys")).ToList();
        Assert.That(keys, Has.Count.EqualTo(1));
        Assert.That(keys[0], Does.StartWith("<key id="));
    }

    [Test]
    public async Task A_changed_security_stamp_ends_the_session()
    {
        var id = await AdminSession.CreateAdminAsync("alice", Password);
        using var app = ImmediateChecks();
        using var session = new AdminSession(app);
        await session.LogInOrFailAsync("alice", Password);
        Assert.That((await session.GetAsync("/admin")).StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));

        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("UPDATE admins SET security_stamp = gen_random_uuid() WHERE id = @id", new { id });

        Assert.That(AdminSession.RedirectPath(await session.GetAsync("/admin")), Does.StartWith("/admin/login"));
    }

    [Test]
    public async Task Within_the_cache_time_a_change_made_elsewhere_is_not_yet_seen()
    {
        // The other side of the 30-second cache: proves the check above is the database's, not luck.
        var id = await AdminSession.CreateAdminAsync("alice", Password);
        using var app = new TestApp();
        using var session = new AdminSession(app);
        await session.LogInOrFailAsync("alice", Password);
        Assert.That((await session.GetAsync("/admin")).StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));

        await using (var connection = await OpenAsync())
            await connection.ExecuteAsync("UPDATE admins SET security_stamp = gen_random_uuid() WHERE id = @id", new { id });

        Assert.That((await session.GetAsync("/admin")).StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));
    }

    [Test]
    public async Task A_disabled_admin_is_logged_out_at_once_and_cannot_log_in()
    {
        using var app = new TestApp();
        using var alice = await AdminSession.SignedInAsync(app, "alice");
        using var bob = await AdminSession.SignedInAsync(app, "bob");
        var bobId = bob.AdminId;
        Assert.That((await bob.GetAsync("/admin")).StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK)); // now cached

        var disable = await alice.PostAsync($"/admin/admins?handler=Disable&id={bobId}", new Dictionary<string, string>());

        Assert.That(AdminSession.RedirectPath(disable), Is.EqualTo("/admin/admins"));
        Assert.That(AdminSession.RedirectPath(await bob.GetAsync("/admin")), Does.StartWith("/admin/login"));
        Assert.That((await bob.LogInAsync("bob", Password)).StatusCode, Is.EqualTo(System.Net.HttpStatusCode.Unauthorized));
    }

    /// <summary>The app checking the database on every request, for changes made outside it.</summary>
    public static Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> ImmediateChecks() =>
        new TestApp().WithWebHostBuilder(builder => builder.UseSetting("TauTauRun:Admin:SessionCheckSeconds", "0"));
}
