using TauTauRun.Bench;
using TauTauRun.Bench.Bare;
using TauTauRun.Bench.Data;
using TauTauRun.Bench.Load;

// One switch, one line per subcommand: each lives in its own file and reads its own options.
try
{
    var options = Options.Parse(args.Skip(1));
    return args.FirstOrDefault() switch
    {
        "load" => await LoadGenerator.RunAsync(options),
        "smtp-sink" => await SmtpSink.RunAsync(options),
        "bare-flow" => await BareFlow.RunAsync(options),
        "bare-insert" => await BareInsert.RunAsync(options),
        "startup" => await StartupTime.RunAsync(options),
        "free-port" => FreePort.Print(),
        "report" => Report.Write(options),
        "admin-pages" => await AdminPages.RunAsync(options),
        "sql-replay" => await SqlReplay.RunAsync(options),
        "admin-download" => await AdminDownload.RunAsync(options),
        "mail-baseline" => await MailBaseline.RunAsync(options),
        _ => Options.Usage("usage: TauTauRun.Bench load|smtp-sink|bare-flow|bare-insert|startup|free-port|report|admin-pages|sql-replay|admin-download|mail-baseline [--option value...]"),
    };
}
catch (UsageException e)
{
    return Options.Usage($"error: {e.Message}");
}
