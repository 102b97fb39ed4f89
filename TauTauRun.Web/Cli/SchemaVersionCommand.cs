using TauTauRun.Web.Data;

namespace TauTauRun.Web.Cli;

/// <summary>
/// <c>schema-version</c>: prints the newest migration this release knows, touching no database.
/// deploy/restore.sh compares it with a dump's schema version to refuse dumps from a newer release.
/// </summary>
internal sealed class SchemaVersionCommand : ICommand
{
    public string Name => "schema-version";
    public string Usage => "schema-version";

    public Func<IServiceProvider, TextWriter, Task> Prepare(string[] arguments)
    {
        if (arguments.Length > 0)
            throw new UsageException($"unexpected argument '{arguments[0]}'");
        return (_, output) =>
        {
            output.WriteLine(SchemaMigrator.LatestVersion);
            return Task.CompletedTask;
        };
    }
}
