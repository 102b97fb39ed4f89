using System.Net;
using System.Net.Sockets;

namespace TauTauRun.Bench;

/// <summary>Prints a TCP port on 127.0.0.1 that nothing listens on (the system picks it).</summary>
public static class FreePort
{
    public static int Print()
    {
        Console.WriteLine(Next());
        return 0;
    }

    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
