using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// Debian's Orthanc as the PACS: started on free loopback ports with a generated configuration (its own storage
/// folder, remote access off, the DICOMweb plugin on), asked over its REST API what arrived, and stopped at the end.
/// </summary>
public sealed class Orthanc : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/Orthanc";
    public const string DicomWebPlugin = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";

    private readonly Process _process;
    private readonly TempDir _dir;

    private Orthanc(Process process, TempDir dir, int httpPort, int dicomPort)
    {
        _process = process;
        _dir = dir;
        HttpPort = httpPort;
        DicomPort = dicomPort;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public int HttpPort { get; }

    public int DicomPort { get; }

    public HttpClient Client { get; }

    /// <summary>The DICOMweb root (STOW-RS at {root}/studies).</summary>
    public Uri DicomWeb => new($"http://127.0.0.1:{HttpPort}/dicom-web");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<Orthanc> StartAsync()
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: install Debian's 'orthanc' package (scripts/test.sh does)");
        Assert.True(File.Exists(DicomWebPlugin), $"{DicomWebPlugin} is missing: install Debian's 'orthanc-dicomweb' package (scripts/test.sh does)");
        var dir = new TempDir();
        var http = FreePort();
        var dicom = FreePort();
        var config = new Dictionary<string, object>
        {
            ["Name"] = "RADSEAL-TEST-PACS",
            ["StorageDirectory"] = dir.File("storage"),
            ["IndexDirectory"] = dir.File("storage"),
            ["HttpPort"] = http,
            ["DicomPort"] = dicom,
            ["DicomAet"] = "ORTHANC",
            ["RemoteAccessAllowed"] = false,
            ["AuthenticationEnabled"] = false,
            ["HttpServerEnabled"] = true,
            ["DicomServerEnabled"] = true,
            ["Plugins"] = new[] { DicomWebPlugin },
            ["DicomWeb"] = new Dictionary<string, object> { ["Enable"] = true, ["Root"] = "/dicom-web/" },
        };
        File.WriteAllText(dir.File("orthanc.json"), JsonSerializer.Serialize(config));
        var start = new ProcessStartInfo(Binary) { ArgumentList = { dir.File("orthanc.json") }, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var orthanc = new Orthanc(process, dir, http, dicom);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(process.HasExited, $"Orthanc exited at start (code {(process.HasExited ? process.ExitCode : 0)})");
            try
            {
                using var r = await orthanc.Client.GetAsync("system");
                using var plugins = await orthanc.Client.GetAsync("plugins/dicom-web");
                if (r.IsSuccessStatusCode && plugins.IsSuccessStatusCode)
                {
                    return orthanc;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            if (DateTime.UtcNow > deadline)
            {
                await orthanc.DisposeAsync();
                Assert.Fail("Orthanc did not answer within 60 s");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>The SOP Instance UIDs of every instance Orthanc holds (from its REST API).</summary>
    public async Task<IReadOnlyList<string>> SopInstanceUidsAsync()
    {
        using var doc = JsonDocument.Parse(await Client.GetStringAsync("instances?expand"));
        return [.. doc.RootElement.EnumerateArray().Select(i => i.GetProperty("MainDicomTags").GetProperty("SOPInstanceUID").GetString()!)];
    }

    /// <summary>The stored file of the instance with this SOP Instance UID.</summary>
    public async Task<byte[]> FileAsync(string sopInstanceUid)
    {
        using var doc = JsonDocument.Parse(await Client.GetStringAsync("instances?expand"));
        var id = doc.RootElement.EnumerateArray().First(i => i.GetProperty("MainDicomTags").GetProperty("SOPInstanceUID").GetString() == sopInstanceUid).GetProperty("ID").GetString();
        return await Client.GetByteArrayAsync($"instances/{id}/file");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }
        _process.Dispose();
        _dir.Dispose();
    }
}
