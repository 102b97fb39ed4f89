using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Npgsql;
using Serilog;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;
using TauTauRun.Web.Development;
using TauTauRun.Web.Email;
using TauTauRun.Web.Health;
using TauTauRun.Web.Hosting;
using TauTauRun.Web.Jobs;
using TauTauRun.Web.Localization;
using TauTauRun.Web.Logging;
using TauTauRun.Web.Registration;

namespace TauTauRun.Web;

/// <summary>The web service: what <c>systemctl start tautaurun-api</c> and the run command start.</summary>
public static class WebService
{
    private const string DefaultUrl = "http://localhost:8080";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = AppBuilder.Create(args, logToConsole: true);
        try
        {
            using var embedded = EmbeddedDatabase.StartIfWanted(builder);
            builder.AddTauTauRunData();
            // First of the hosted services: the schema is up to date before anything else uses it.
            builder.Services.AddHostedService<StartupMigration>();
            builder.AddTauTauRunEmail(deliver: true);
            builder.Services.AddSystemd();
            builder.Services.AddSystemdWatchdog();
            builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(30));
            builder.AddTauTauRunHttp();
            builder.AddTauTauRunRegistration();
            builder.AddTauTauRunJobs();
            builder.Services.AddTauTauRunLocalization();
            // Razor Pages check the antiforgery token of every POST by default.
            builder.Services.AddRazorPages()
                // Labels ([Display]) and attribute messages are keys of the runners' texts; a name that is no key (an admin form's) shows as written.
                .AddDataAnnotationsLocalization(options => options.DataAnnotationLocalizerProvider = (_, factory) => factory.Create(typeof(RunnerText)))
                .AddMvcOptions(mvc =>
                {
                    mvc.ModelBindingMessageProvider.SetAttemptedValueIsInvalidAccessor(
                        (_, field) => RunnerText.Get("Binding.NotValid", field.ToLower(Languages.Formatting)));
                    // The jQuery key syntax (a[b] for a.b) is for jQuery's own posts, which no page makes; its
                    // reader throws on a field name with an unclosed '[' (a 500 the fuzz test found).
                    mvc.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
                    mvc.ValueProviderFactories.RemoveType<JQueryQueryStringValueProviderFactory>();
                })
                // Validation happens on the server; the client-side attributes would only add weight.
                .AddViewOptions(views => views.HtmlHelperOptions.ClientValidationEnabled = false);
            builder.Services.AddTauTauRunHealthChecks();
            builder.AddTauTauRunAdmin();
            if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
                builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, DefaultUrl);

            var app = builder.Build();
            await PrepareDatabaseAsync(app, demoData: embedded is not null);
            Configure(app);
            await app.RunAsync();
            return 0;
        }
        catch (StartupException e)
        {
            Log.Fatal("{Problem}", e.Message);
            return 1;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    private static async Task PrepareDatabaseAsync(WebApplication app, bool demoData)
    {
        // Mail settings are read here, so a wrong one stops the start rather than the first message.
        app.Logger.LogInformation("Mail goes to {Transport}", app.Services.GetRequiredService<IMailTransport>().Describe());
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        var connectionString = Database.ConnectionString(app.Configuration);
        await Database.ProbeAsync(dataSource, connectionString, app.Logger);
        if (!app.Environment.IsDevelopment())
        {
            DataProtectionKeyFile.EnsureKeyRingReadable(app.Services, app.Logger);
            return;
        }
        // The run command: bring the schema up to date and add demo data, so it works with no manual step.
        using (var migrator = new SchemaMigrator(connectionString))
            migrator.MigrateUp();
        DataProtectionKeyFile.EnsureKeyRingReadable(app.Services, app.Logger);
        if (!demoData)
            return;
        await DemoData.SeedAsync(dataSource);
        // Printed, not logged: log files never hold a password, not even the demo one.
        Console.WriteLine($"Demo admin login at /admin/login: {DemoData.AdminUsername} / {DemoData.AdminPassword} "
                          + "(then set up an authenticator app and choose your own password)");
    }

    private static void Configure(WebApplication app)
    {
        // Outermost, so the request line shows the status the client got, after any error page.
        app.UseTauTauRunRequestLogging();
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/Error");
        app.UseRouting();
        // Before the rate limiter, whose refusal a runner reads in their language too.
        app.UseTauTauRunLocalization();
        app.UseTauTauRunHttp();
        app.UseTauTauRunMetrics();
        app.UseTauTauRunAdmin();
        app.UseRequestSizeGuard();
        app.MapStaticAssets();
        app.MapRazorPages().WithStaticAssets();
        app.MapTauTauRunHealth();
    }
}
