using Serilog.Events;
using Serilog.Formatting;

namespace TauTauRun.Web.Logging;

/// <summary>
/// Console lines for journald: no timestamp (the journal adds one) and a syslog priority prefix
/// (<c>&lt;3&gt;</c> for errors), so <c>journalctl -u tautaurun-api -p err</c> finds the errors.
/// </summary>
internal sealed class JournaldFormatter : ITextFormatter
{
    public void Format(LogEvent logEvent, TextWriter output)
    {
        var priority = logEvent.Level switch
        {
            LogEventLevel.Fatal => 2,
            LogEventLevel.Error => 3,
            LogEventLevel.Warning => 4,
            LogEventLevel.Information => 6,
            _ => 7,
        };
        output.Write($"<{priority}>");
        logEvent.RenderMessage(output);
        if (logEvent.Exception is not null)
        {
            output.Write(' ');
            output.Write(logEvent.Exception.ToString().ReplaceLineEndings($"{Environment.NewLine}<{priority}>  "));
        }
        output.WriteLine();
    }
}
