using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace TauTauRun.Web.Tests.Infrastructure;

/// <summary>
/// The app in this process against the test database, logging into a folder of its own. In memory by
/// default; <see cref="StartKestrel"/> serves it on a real port for the browser.
/// </summary>
public sealed class TestApp : WebApplicationFactory<Program>
{
    private readonly string connectionString;
    private readonly IReadOnlyDictionary<string, string?> settings;
    private readonly Action<IServiceCollection>? replaceServices;

    /// <param name="settings">Extra configuration, by key (e.g. SMTP_HOST, Email:RetryBase).</param>
    /// <param name="replaceServices">Service registrations over the app's own, for a variant of the app.</param>
    public TestApp(string? connectionString = null, IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? replaceServices = null)
    {
        this.connectionString = connectionString ?? TestDatabase.ConnectionString;
        this.settings = settings ?? new Dictionary<string, string?>();
        this.replaceServices = replaceServices;
        // Under the run's temporary root (removed at the end), so tests can read logs after disposing.
        LogDirectory = Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "logs", Guid.NewGuid().ToString("N"))).FullName;
    }

    public string LogDirectory { get; }

    public const string SecureCookieOnly = "TauTauRun:Admin:SecureCookieOnly";

    /// <summary>Starts Kestrel on 127.0.0.1 (on a free port unless one is given) and returns its address.</summary>
    public Uri StartKestrel(int port = 0)
    {
        UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, port));
        StartServer();
        var address = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        ClientOptions.BaseAddress = address;
        return address;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Outside Development the build's static-asset manifest is not read by default; the published
        // app has the files themselves, the test host needs the manifest to find wwwroot's.
        builder.UseStaticWebAssets();
        builder.UseSetting("ConnectionStrings:Default", connectionString);
        builder.UseSetting("TauTauRun:LogDirectory", LogDirectory);
        builder.UseSetting("TauTauRun:DataProtection:KeyFile", TestKeyFile.Path);
        // Mail goes to a pickup folder of this app's own unless a test brings an SMTP server.
        builder.UseSetting("TauTauRun:MailPickupDirectory", Path.Combine(LogDirectory, "mail"));
        // Tests post far more than a runner would; the rate-limit test sets its own limit.
        builder.UseSetting("RateLimits:RunnerPostsPerMinute", "1000000");
        // The expiry sweep runs when a test calls it, not in the background of others.
        builder.UseSetting("Jobs:PaymentExpiry", "false");
        // Mail is delivered only where a test asks for it with a short poll: a disposed factory's worker
        // can outlive its test, and would deliver (and mark SENT) the next test's mail.
        builder.UseSetting("Email:PollInterval", "01:00:00");
        // Most tests speak plain HTTP to the in-memory server; LoginTests check the production default
        // by giving this key the value null (a null value leaves the app's default).
        if (!settings.ContainsKey(SecureCookieOnly))
            builder.UseSetting(SecureCookieOnly, "false");
        foreach (var (key, value) in settings.Where(setting => setting.Value is not null))
            builder.UseSetting(key, value);
        if (replaceServices is not null)
            builder.ConfigureTestServices(replaceServices);
    }
}
