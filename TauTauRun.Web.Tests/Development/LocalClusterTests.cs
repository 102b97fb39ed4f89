using TauTauRun.Web.Development;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Development;

/// <summary>The run command's (and the tests') own PostgreSQL cluster leaves nothing behind in /tmp.</summary>
public sealed class LocalClusterTests
{
    [Test]
    public void A_stopped_cluster_removes_its_socket_folder()
    {
        var cluster = new LocalCluster(Path.Combine(TestDatabase.TempRoot, "socket-pgdata"), port: null, TestDatabase.FastSettings);
        cluster.Start();
        Assert.That(Directory.Exists(cluster.SocketDirectory), Is.True);

        cluster.Stop();

        Assert.That(Directory.Exists(cluster.SocketDirectory), Is.False);
    }
}
