namespace TauTauRun.Web.Registration;

public static class RegistrationSetup
{
    /// <summary>The participant lifecycle: registration, places, payments, the expiry sweep, and the runners' post limit.</summary>
    public static void AddTauTauRunRegistration(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Registrar>();
        builder.Services.AddSingleton<Places>();
        builder.Services.AddSingleton<PaymentExpiry>();
        builder.Services.AddSingleton<Payments>();
        builder.Services.AddRunnerRateLimits(builder.Configuration);
    }
}
