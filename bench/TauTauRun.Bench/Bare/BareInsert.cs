using Dapper;
using Npgsql;

namespace TauTauRun.Bench.Bare;

/// <summary>
/// Baseline (b): a bare endpoint that inserts one row per POST and answers 204, on the same stack
/// (Kestrel, Npgsql, Dapper, server GC). Options: --port P, --connection CS.
/// </summary>
public static class BareInsert
{
    public static async Task<int> RunAsync(Options options)
    {
        await using var dataSource = BareDatabase.Open(options.Required("connection"));
        await using (var setup = dataSource.CreateCommand(
            "CREATE TABLE IF NOT EXISTS bare_rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"))
            await setup.ExecuteNonQueryAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{options.Required("port")}");
        builder.Services.AddSingleton(dataSource);
        var app = builder.Build();
        app.MapGet("/health", () => Results.Ok());
        app.MapPost("/insert", async (HttpRequest request, NpgsqlDataSource db) =>
        {
            var form = await request.ReadFormAsync();
            await using var connection = await db.OpenConnectionAsync();
            await connection.ExecuteAsync("INSERT INTO bare_rows (email) VALUES (@email)", new { email = form["email"].ToString() });
            return Results.NoContent();
        });
        await app.RunAsync();
        return 0;
    }
}
