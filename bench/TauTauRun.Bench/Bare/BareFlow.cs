namespace TauTauRun.Bench.Bare;

/// <summary>
/// Baseline (a): the registration flow's shape with nothing else, on the same stack as the app: a
/// Razor page with the same fields and antiforgery, a POST validated by DataAnnotations that inserts
/// one participant-like row and one outbox row in a transaction, a redirect to a small confirmation
/// page that reads the row back. No capacity, no waiting list, no email rendering.
/// Options: --port P, --connection CS (its own database; tables made here).
/// </summary>
public static class BareFlow
{
    public static async Task<int> RunAsync(Options options)
    {
        await using var dataSource = BareDatabase.Open(options.Required("connection"));
        await using (var setup = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS bare_participants (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, category_id bigint NOT NULL, full_name text NOT NULL,
                email text NOT NULL, phone text NOT NULL, date_of_birth date NOT NULL, gender text NOT NULL,
                tshirt_size text NOT NULL, emergency_contact_name text NOT NULL, emergency_contact_phone text NOT NULL,
                club text, medical_notes text, created_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS bare_outbox (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                participant_id bigint NOT NULL REFERENCES bare_participants (id), recipient text NOT NULL,
                status text NOT NULL DEFAULT 'QUEUED', created_at timestamptz NOT NULL DEFAULT now());
            """))
            await setup.ExecuteNonQueryAsync();
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{options.Required("port")}");
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddRazorPages();
        var app = builder.Build();
        app.MapGet("/health", () => Results.Ok());
        app.MapRazorPages();
        await app.RunAsync();
        return 0;
    }
}
