using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Admin;

/// <summary>How long an admin session lives: an idle timeout and, however busy, an absolute end.</summary>
public sealed class SessionLifetimeTests : DatabaseTest
{
    [Test]
    public async Task A_cookie_older_than_the_absolute_lifetime_is_refused_even_if_used_all_along()
    {
        var clock = new ShiftedClock();
        using var app = new TestApp(settings: new Dictionary<string, string?>
        {
            // The idle timeout cannot end it: only the absolute lifetime can.
            ["TauTauRun:Admin:IdleTimeout"] = "7.00:00:00",
            ["TauTauRun:Admin:SessionCheckSeconds"] = "0",
        }, replaceServices: services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        using var session = await AdminSession.SignedInAsync(app, "alice");

        clock.Offset = TimeSpan.FromHours(11.9);
        var before = await session.GetAsync("/admin");
        clock.Offset = TimeSpan.FromHours(12.1);
        var after = await session.GetAsync("/admin");

        Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(AdminSession.RedirectPath(after), Does.StartWith("/admin/login"));
    }

    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }
}
