using Dapper;
using Npgsql;

namespace TauTauRun.Web.Data;

/// <summary>
/// Reads the event's settings. The first read on an empty database stores the defaults from the
/// <c>Event</c> configuration section; from then on the database is the truth. Every page needs them,
/// so a read is kept for a few seconds: an admin's change reaches every instance within that time.
/// </summary>
public sealed class EventSettingsStore(NpgsqlDataSource dataSource, IConfiguration configuration, TimeProvider clock)
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromSeconds(5);
    // A class, so that threads swap the whole pair at once (a struct pair could be read half-written).
    private sealed record Cached(EventSettings Settings, DateTimeOffset ReadAt);
    private Cached? cached;

    /// <param name="transaction">The caller's open transaction, if any: a read the cache cannot answer goes
    /// through its connection. Without it, a rush whose every registration holds a pooled connection while it
    /// waits for a second one would find the pool empty the moment the cache runs out.</param>
    public async Task<EventSettings> LoadAsync(NpgsqlTransaction? transaction = null)
    {
        if (cached is { } hit && clock.GetUtcNow() - hit.ReadAt < KeepFor)
            return hit.Settings;
        EventSettings settings;
        if (transaction is not null)
            settings = await ReadAsync(transaction.Connection!, transaction);
        else
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            settings = await ReadAsync(connection, null);
        }
        cached = new Cached(settings, clock.GetUtcNow());
        return settings;
    }

    /// <summary>After a change: the next read goes to the database.</summary>
    public void Forget() => cached = null;

    /// <summary>The columns as <see cref="EventSettings"/> reads them (the settings page locks the row with it).</summary>
    internal const string Select = """
        SELECT name, description, starts_at, time_zone, place, bank_account_holder, bank_iban, bank_bic,
               bank_name, registration_opens_at, registration_closes_at, payment_deadline_days, payment_reminder_days,
               edit_deadline, waitlist_offer_hours, email_confirm_hours, waiver_text, waiver_version, reply_to,
               transfer_deadline, transfer_keeps_bib, erase_personal_data_days
        FROM event_settings
        """;

    private async Task<EventSettings> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        var stored = await connection.QuerySingleOrDefaultAsync<EventSettings>(Select, transaction: transaction);
        if (stored is not null)
            return stored;

        await StoreFirstAsync(connection, configuration.GetSection("Event").Get<EventSettings>() ?? new EventSettings(), transaction);
        return await connection.QuerySingleAsync<EventSettings>(Select, transaction: transaction);
    }

    /// <summary>Stores <paramref name="settings"/> as the event's, unless it has settings already (the first read's defaults, the demo event).</summary>
    internal static Task StoreFirstAsync(NpgsqlConnection connection, EventSettings settings, NpgsqlTransaction? transaction = null) =>
        connection.ExecuteAsync("""
            INSERT INTO event_settings (name, description, starts_at, time_zone, place, bank_account_holder,
                bank_iban, bank_bic, bank_name, registration_opens_at, registration_closes_at,
                payment_deadline_days, edit_deadline, waitlist_offer_hours, email_confirm_hours, waiver_text, waiver_version,
                reply_to, transfer_deadline, transfer_keeps_bib, erase_personal_data_days)
            VALUES (@Name, @Description, @StartsAt, @TimeZone, @Place, @BankAccountHolder,
                @BankIban, @BankBic, @BankName, @RegistrationOpensAt, @RegistrationClosesAt,
                @PaymentDeadlineDays, @EditDeadline, @WaitlistOfferHours, @EmailConfirmHours, @WaiverText, @WaiverVersion,
                @ReplyTo, @TransferDeadline, @TransferKeepsBib, @ErasePersonalDataDays)
            ON CONFLICT (id) DO NOTHING
            """, settings.InUtc(), transaction);
}
