using System.Diagnostics;
using System.Net.Sockets;

namespace RadSeal.Dicom.Tests.Networking;

/// <summary>DCMTK's storescp on a free loopback port, writing into its own folder; killed on dispose.</summary>
internal sealed class StoreScp : IDisposable
{
    private readonly Process process;
    private readonly string folder;

    private StoreScp(Process process, string folder)
    {
        this.process = process;
        this.folder = folder;
    }

    public static StoreScp Start(out int port, out string folder, params string[] extra)
    {
        folder = Directory.CreateTempSubdirectory("radseal-storescp-").FullName;
        port = FreePort();
        var psi = new ProcessStartInfo("storescp") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["+xa", "-aet", "STORESCP", "-od", folder, .. extra, port.ToString()])
        {
            psi.ArgumentList.Add(a);
        }
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("storescp is not installed: install the Debian package dcmtk.", ex);
        }
        var scpOutput = new System.Collections.Concurrent.ConcurrentQueue<string>();
        p.OutputDataReceived += (_, e) => scpOutput.Enqueue(e.Data ?? "");
        p.ErrorDataReceived += (_, e) => scpOutput.Enqueue(e.Data ?? "");
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var scp = new StoreScp(p, folder) { Output = scpOutput };
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect("127.0.0.1", port);
                return scp;
            }
            catch (SocketException) when (sw.Elapsed < TimeSpan.FromSeconds(20) && !p.HasExited)
            {
                Thread.Sleep(100);
            }
            catch (SocketException)
            {
                scp.Dispose();
                throw new InvalidOperationException($"storescp did not start listening on port {port}.");
            }
        }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>What storescp printed, for failure messages.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Output { get; private init; } = new();

    public async Task<IReadOnlyList<string>> WaitForFilesAsync(int count)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var files = Directory.GetFiles(folder);
            if (files.Length >= count || sw.Elapsed > TimeSpan.FromSeconds(20))
            {
                return files;
            }
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
        Directory.Delete(folder, recursive: true);
    }
}
