using System.Net;
using RadSeal.Dicom.Networking;

namespace RadSeal.Benchmarks.Dicom;

/// <summary>
/// `dimse-scp PORT OUTDIR`: RadSeal's storage SCP with a handler that only keeps each file (rename into OUTDIR), the
/// counterpart of `storescp -od OUTDIR` in bench/dimse.sh. Runs until stdin closes.
/// </summary>
public static class StoreScp
{
    public static int Run(int port, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var options = new DicomServerOptions
        {
            Port = port,
            BindAddress = IPAddress.Loopback,
            TempFolder = Path.Combine(outDir, ".incoming"),
            Log = Console.Error.WriteLine,
        };
        var server = DicomServer.StartAsync(options, new KeepHandler(outDir)).GetAwaiter().GetResult();
        Console.Error.WriteLine($"listening on {server.LocalEndPoint}");
        while (Console.In.ReadLine() is not null)
        {
        }
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }

    private sealed class KeepHandler(string outDir) : IStoreHandler
    {
        public Task<DimseStatus> StoreAsync(StoreRequest request, string receivedFile, CancellationToken cancellationToken)
        {
            File.Move(receivedFile, Path.Combine(outDir, request.SopInstanceUid + ".dcm"), overwrite: true);
            return Task.FromResult(DimseStatus.Success);
        }
    }
}
