namespace TauTauRun.Web.Jobs;

public static class JobsSetup
{
    /// <summary>The service's background sweeps; the command line runs none.</summary>
    public static void AddTauTauRunJobs(this WebApplicationBuilder builder)
    {
        // Tests run the sweep themselves (Jobs:PaymentExpiry=false), so it never moves runners behind their back.
        if (builder.Configuration.GetValue("Jobs:PaymentExpiry", true))
            builder.Services.AddHostedService<PaymentExpiryJob>();
    }
}
