using TauTauRun.Web.Logging;

namespace TauTauRun.Web.Tests.Logging;

/// <summary>The fixed-name link to today's log file, as several loggers in one process move it at once.</summary>
public sealed class CurrentFileLinkTests
{
    [Test]
    public void Loggers_in_one_process_moving_the_same_link_at_once_never_collide()
    {
        var directory = Directory.CreateTempSubdirectory("tautaurun-link-").FullName;
        try
        {
            var links = Enumerable.Range(0, 8).Select(_ => new CurrentFileLink(directory, "api-", "api.log")).ToList();

            Assert.DoesNotThrow(() => Parallel.For(0, 400, i => links[i % links.Count].CreateTodaysFile()));

            Assert.That(File.ResolveLinkTarget(Path.Combine(directory, "api.log"), returnFinalTarget: false)!.Name,
                Is.EqualTo($"api-{DateTime.Now:yyyyMMdd}.log"));
            Assert.That(Directory.GetFileSystemEntries(directory).Select(Path.GetFileName),
                Is.EquivalentTo(new[] { "api.log", $"api-{DateTime.Now:yyyyMMdd}.log" }), "no staging link left behind");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
