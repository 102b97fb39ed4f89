namespace TauTauRun.Web.Registration;

public static class RegistrationSetup
{
    /// <summary>The participant lifecycle: registration, places, payments, bank-statement import, check-in, transfers and race changes, walk-in and paper entries, personal data erasure, the expiry sweep, and the runners' post limit.</summary>
    public static void AddTauTauRunRegistration(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Registrar>();
        builder.Services.AddSingleton<Places>();
        builder.Services.AddSingleton<PaymentExpiry>();
        builder.Services.AddSingleton<PaymentReminders>();
        builder.Services.AddSingleton<Cancellation>();
        builder.Services.AddSingleton<AdminChanges>();
        builder.Services.AddSingleton<RunnerChanges>();
        builder.Services.AddSingleton<RaceCategories>();
        builder.Services.AddSingleton<Coupons>();
        builder.Services.AddSingleton<CheckIn>();
        builder.Services.AddSingleton<PaymentImport>();
        builder.Services.AddSingleton<Transfers>();
        builder.Services.AddSingleton<RaceChanges>();
        builder.Services.AddSingleton<WalkIns>();
        builder.Services.AddSingleton<PaperEntries>();
        builder.Services.AddSingleton<PersonalDataErasure>();
        builder.Services.AddRunnerRateLimits(builder.Configuration);
    }
}
