using System.Diagnostics;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Operations;

/// <summary>
/// In a real systemd on Debian 12: install.sh --domain --instances 2 from a read-only checkout with
/// the .NET SDK only under /usr/share/dotnet, nginx in front with a self-signed certificate, the plan's
/// systemctl and journalctl lines acting on both instances, and an upgrade rolled through the
/// instances while a client keeps asking through nginx.
/// </summary>
[Category("SystemdContainer")]
public sealed class InstancesSystemdTests
{
    private const string Https = "curl -fsS --cacert /etc/nginx/tautaurun/fullchain.pem --resolve tautaurun.test:443:127.0.0.1 https://tautaurun.test";

    [Test]
    public async Task Install_with_two_instances_behind_nginx_then_the_plans_lines_and_a_rolling_upgrade()
    {
        await using var machine = await SystemdContainer.BootWithReleaseAsync();
        var clock = Stopwatch.StartNew();

        // Bad input first: each a one-line reason, and nothing changed.
        var wrongDomain = await machine.RunAsync("/srv/checkout/deploy/install.sh --published /srv/release --domain 'not a domain' 2>&1");
        Assert.That(wrongDomain.ExitCode, Is.EqualTo(1));
        Assert.That(wrongDomain.Output, Does.Contain("is not a host name").And.Contain("nothing was changed"));
        Assert.That((await machine.RunAsync("id tautaurun")).ExitCode, Is.Not.Zero, "no user created");

        var install = await machine.MustAsync(
            "/srv/checkout/deploy/install.sh --published /srv/release --version 1.0.0 --domain tautaurun.test --instances 2 2>&1", TimeSpan.FromMinutes(5));
        TestContext.Out.WriteLine($"install: {clock.Elapsed.TotalSeconds:0.0} s\n{install}");
        Assert.That(install, Does.Not.Contain("could not change directory"));
        Assert.That(install, Does.Contain("linked /usr/bin/dotnet to /usr/share/dotnet/dotnet"));
        Assert.That(install, Does.Contain("self-signed certificate").And.Contain("sudo deploy/install.sh --domain tautaurun.test"));
        Assert.That(install, Does.Contain("create-admin").And.Contain("/admin/categories").And.Contain("smoke.sh"), "the last lines say what to do next");
        await machine.MustAsync("nginx -t -q");

        Assert.That(await machine.MustAsync($"{Https}/health"), Is.EqualTo("{\"status\":\"Healthy\"}"));
        Assert.That(await machine.MustAsync("curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' --resolve tautaurun.test:80:127.0.0.1 http://tautaurun.test/register"),
            Is.EqualTo("301 https://tautaurun.test/register"));
        Assert.That(await machine.MustAsync($"curl -sS -o /dev/null -w '%{{http_code}}' --cacert /etc/nginx/tautaurun/fullchain.pem --resolve tautaurun.test:443:127.0.0.1 https://tautaurun.test/metrics"),
            Is.EqualTo("404"));
        Assert.That(await machine.MustAsync("curl -fsS http://localhost:8081/metrics"), Does.Contain("tautaurun_outbox_queued"));
        Assert.That(await machine.MustAsync("curl -fsS http://localhost:8080/health"), Does.Contain("schema_version"), "the plan's health line");

        // The plan's lines act on every instance.
        Assert.That(await machine.MustAsync("sudo systemctl status tautaurun-api 'tautaurun-api@*'"), Does.Contain("tautaurun-api@8080.service").And.Contain("tautaurun-api@8081.service"));
        await machine.MustAsync("sudo systemctl stop tautaurun-api");
        await machine.MustAsync("sudo systemctl stop tautaurun-frontend");
        await machine.EventuallyAsync("! systemctl is-active --quiet tautaurun-api@8080 && ! systemctl is-active --quiet tautaurun-api@8081", TimeSpan.FromSeconds(60));
        await machine.MustAsync("sudo systemctl start tautaurun-api");
        await machine.MustAsync("sudo systemctl start tautaurun-frontend");
        await machine.MustAsync("curl -fsS http://localhost:8080/health && curl -fsS http://localhost:8081/health");
        var pids = await PidsAsync(machine);
        await machine.MustAsync("sudo systemctl restart tautaurun-api");
        await machine.MustAsync("curl -fsS http://localhost:8080/health && curl -fsS http://localhost:8081/health");
        Assert.That(await PidsAsync(machine), Is.Not.EqualTo(pids), "both restarted");
        var journal = await machine.MustAsync("sudo journalctl -u 'tautaurun-api*' -n 400");
        Assert.That(journal, Does.Contain("tautaurun-api@8080").And.Contain("tautaurun-api@8081").And.Contain("Now listening on"));
        await machine.MustAsync("sudo journalctl -u tautaurun-api -n 100");

        // An upgrade while a client keeps asking through nginx: every answer is a 200.
        // A transient service, so that nothing of it holds this command's output open.
        await machine.MustAsync("""
            systemd-run --quiet --unit=answers bash -c 'while :; do curl -s -o /dev/null -w "%{http_code} %{errormsg}\n" --max-time 30 \
              --cacert /etc/nginx/tautaurun/fullchain.pem --resolve tautaurun.test:443:127.0.0.1 https://tautaurun.test/register >>/root/answers; done'
            """);
        await machine.EventuallyAsync("[ $(wc -l </root/answers) -ge 20 ]", TimeSpan.FromSeconds(30));
        clock.Restart();
        var upgrade = await machine.MustAsync("/srv/checkout/deploy/install.sh --published /srv/release --version 2.0.0 2>&1", TimeSpan.FromMinutes(5));
        TestContext.Out.WriteLine($"rolling upgrade: {clock.Elapsed.TotalSeconds:0.0} s\n{upgrade}");
        // A few more answers after the roll, from both instances back in the upstream.
        var afterUpgrade = int.Parse((await machine.MustAsync("grep -c . /root/answers")).Trim());
        await machine.EventuallyAsync($"[ $(grep -c . /root/answers) -ge {afterUpgrade + 10} ]", TimeSpan.FromSeconds(30));
        await machine.MustAsync("systemctl stop answers");
        var answers = await machine.MustAsync("sort /root/answers | uniq -c");
        TestContext.Out.WriteLine($"answers during the upgrade: {answers}");
        Assert.That(upgrade, Does.Contain("instance 8080 restarted").And.Contain("instance 8081 restarted"));
        Assert.That(answers.Trim(), Does.Match(@"^\d+ 200$"), "only 200s through nginx during the rolling upgrade (the line's trailing space, an empty curl error, is trimmed)");
        foreach (var port in new[] { 8080, 8081 })
            Assert.That((await machine.MustAsync($"readlink /proc/$(systemctl show -p MainPID --value tautaurun-api@{port})/cwd")).Trim(),
                Is.EqualTo("/opt/tautaurun/releases/2.0.0"));
        Assert.That(await machine.MustAsync("cat /etc/nginx/tautaurun/upstream.conf"), Does.Not.Contain("down;"), "both back in the upstream");
    }

    private static async Task<string> PidsAsync(SystemdContainer machine) =>
        await machine.MustAsync("systemctl show -p MainPID --value tautaurun-api@8080 tautaurun-api@8081");
}
