using Microsoft.AspNetCore.Http.Features;
using TauTauRun.Web.Jobs;

namespace TauTauRun.Web.Registration;

public static class RegistrationSetup
{
    /// <summary>What runners' pages need: registration, places, the expiry job, limits on what clients may send.</summary>
    public static void AddTauTauRunRegistration(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Registrar>();
        builder.Services.AddSingleton<Places>();
        builder.Services.AddSingleton<PaymentExpiry>();
        // The admins' payment changes move places too.
        builder.Services.AddSingleton<Admin.Payments>();
        // Tests run the sweep themselves (Jobs:PaymentExpiry=false), so it never moves runners behind their back.
        if (builder.Configuration.GetValue("Jobs:PaymentExpiry", true))
            builder.Services.AddHostedService<PaymentExpiryJob>();
        builder.Services.AddRunnerRateLimits(builder.Configuration);
        // Forms here are small: anything bigger is refused (413) before it is read.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 256 * 1024);
        builder.Services.Configure<FormOptions>(form =>
        {
            form.ValueCountLimit = 200;
            form.MultipartBodyLengthLimit = 256 * 1024;
        });
    }
}
