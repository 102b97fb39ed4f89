using TauTauRun.Web;
using TauTauRun.Web.Cli;

// One binary: with a command word it is the command line (migrate, verify-db, …), otherwise the service.
return CommandLine.IsCommand(args)
    ? await CommandLine.RunAsync(args)
    : await WebService.RunAsync(args);

/// <summary>Named so tests can host the app with WebApplicationFactory&lt;Program&gt;.</summary>
public partial class Program;
