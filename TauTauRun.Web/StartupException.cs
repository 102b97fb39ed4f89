namespace TauTauRun.Web;

/// <summary>
/// A problem an operator must fix before the app can run (a missing setting, an unreachable tool).
/// Its message is printed as one line, without a stack trace, and the process exits non-zero.
/// </summary>
public sealed class StartupException(string message) : Exception(message);
