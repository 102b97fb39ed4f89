using TauTauRun.Web.Email;

namespace TauTauRun.Web.Cli;

/// <summary><c>resend-failed-emails [--dry-run]</c>: see <see cref="FailedEmailResender"/>.</summary>
internal sealed class ResendFailedEmailsCommand : ICommand
{
    public string Name => "resend-failed-emails";
    public string Usage => "resend-failed-emails [--dry-run]";

    public Func<IServiceProvider, TextWriter, Task> Prepare(string[] arguments)
    {
        var dryRun = arguments switch
        {
            [] => false,
            ["--dry-run"] => true,
            _ => throw new UsageException($"unexpected argument '{arguments[0]}'"),
        };
        return async (services, output) =>
        {
            var result = await services.GetRequiredService<FailedEmailResender>().ResendAsync(dryRun);
            var verb = dryRun ? "Would queue" : "Queued";
            output.WriteLine($"{verb} {result.Requeued} failed message(s) again and {result.NewConfirmations} new payment confirmation(s) for {result.References.Count} participant(s).");
            if (result.References.Count > 0)
                output.WriteLine($"References: {string.Join(", ", result.References)}");
            if (dryRun)
                output.WriteLine("Dry run: nothing was changed.");
        };
    }
}
