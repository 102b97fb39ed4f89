using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using TauTauRun.Web.Email;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Email;

/// <summary>
/// deploy/tautaurun.env.template says which SMTP_SECURITY values there are: exactly the app's list,
/// so following the template never stops the service (it once listed StartTls/SslOnConnect/None).
/// </summary>
public sealed class EnvTemplateTests
{
    [Test]
    public void The_templates_SMTP_SECURITY_values_are_the_ones_the_app_accepts()
    {
        var template = File.ReadAllText(Path.Combine(PublishedApp.RepositoryRoot(), "deploy", "tautaurun.env.template"));
        var listed = Regex.Match(template, @"SMTP_SECURITY is one of: ([a-z, ]+)").Groups[1].Value
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var example = Regex.Match(template, @"#SMTP_SECURITY=(\S+)").Groups[1].Value;

        Assert.That(listed, Is.EquivalentTo(EmailSettings.SecurityValues.Keys));
        foreach (var value in listed.Append(example))
            Assert.DoesNotThrow(() => Read(value), value);
        Assert.That(() => Read("StartTls-ish"), Throws.InstanceOf<StartupException>().With.Message.Contain(string.Join(", ", listed)));
    }

    private static EmailSettings Read(string security) => EmailSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(
        new Dictionary<string, string?>
        {
            ["SMTP_HOST"] = "smtp.example.org", ["SMTP_FROM"] = "Tau-Tau Run <noreply@example.org>", ["SMTP_SECURITY"] = security,
        }).Build());
}
