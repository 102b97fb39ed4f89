using TauTauRun.Web.Health;

namespace TauTauRun.Web.Email;

public static class EmailSetup
{
    /// <param name="deliver">The service delivers; command-line commands only queue.</param>
    public static void AddTauTauRunEmail(this WebApplicationBuilder builder, bool deliver)
    {
        // Read when first needed, so a command that sends no mail is not stopped by a mail setting.
        builder.Services.AddSingleton(_ => EmailSettings.Read(builder.Configuration));
        builder.Services.AddSingleton<EmailOutbox>();
        builder.Services.AddSingleton<FailedEmailResender>();
        // Also where mail is only queued: a group message is paced when it is queued.
        builder.Services.AddOptions<EmailDeliveryOptions>().Bind(builder.Configuration.GetSection("Email")).ValidateDataAnnotations().ValidateOnStart();
        if (!deliver)
            return;
        builder.Services.AddSingleton<IMailTransport>(services =>
        {
            var settings = services.GetRequiredService<EmailSettings>();
            if (!settings.UsesPickupDirectory)
                return new SmtpTransport(settings);
            PickupFolderTransport.CreateFolder(settings, services.GetRequiredService<ILogger<PickupFolderTransport>>());
            return new PickupFolderTransport(settings);
        });
        builder.Services.AddSingleton(services => DkimSealer.Read(builder.Configuration, services.GetRequiredService<EmailSettings>()));
        builder.Services.AddSingleton<EmailDelivery>();
        builder.Services.AddHostedService<EmailDeliveryWorker>();
        builder.Services.AddHealthChecks().AddCheck<EmailHealthCheck>("email");
    }
}
