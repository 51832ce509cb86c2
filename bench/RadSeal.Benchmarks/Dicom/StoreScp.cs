using System.Net;
using RadSeal.Dicom.Networking;

namespace RadSeal.Benchmarks.Dicom;

/// <summary>
/// `dimse-scp PORT OUTDIR [durable]`: RadSeal's storage SCP with a handler that only keeps each file (rename into
/// OUTDIR), the counterpart of `storescp -od OUTDIR` in bench/dimse.sh. With `durable` it first fsyncs the file and,
/// after the rename, OUTDIR, and its listener starts write-back while a data set streams in (as the gateway's does):
/// what any spool that answers Success only for data on disk must pay at least (the floor under the gateway's figure
/// in bench/gateway.sh). Runs until stdin closes.
/// </summary>
public static class StoreScp
{
    public static int Run(int port, string outDir, bool durable = false)
    {
        Directory.CreateDirectory(outDir);
        var options = new DicomServerOptions
        {
            Port = port,
            BindAddress = IPAddress.Loopback,
            TempFolder = Path.Combine(outDir, ".incoming"),
            EarlyWriteBack = durable, // as the gateway's listener: the fsync then waits only for the tail
            Log = Console.Error.WriteLine,
        };
        var server = DicomServer.StartAsync(options, new KeepHandler(outDir, durable)).GetAwaiter().GetResult();
        Console.Error.WriteLine($"listening on {server.LocalEndPoint}");
        while (Console.In.ReadLine() is not null)
        {
        }
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }

    private sealed class KeepHandler(string outDir, bool durable) : IStoreHandler
    {
        public Task<DimseStatus> StoreAsync(StoreRequest request, string receivedFile, CancellationToken cancellationToken)
        {
            if (durable)
            {
                using var file = new FileStream(receivedFile, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
                file.Flush(flushToDisk: true);
            }
            // Named like storescp names its files (modality-free here): SOP class keeps CT and DX of equal UIDs apart.
            File.Move(receivedFile, Path.Combine(outDir, $"{request.SopClassUid}.{request.SopInstanceUid}.dcm"), overwrite: true);
            if (durable)
            {
                SyncDirectory(outDir);
            }
            return Task.FromResult(DimseStatus.Success);
        }
    }

    private static void SyncDirectory(string directory)
    {
        var fd = Open(directory, 0);
        if (fd < 0 || Fsync(fd) != 0)
        {
            throw new IOException($"{directory}: cannot sync");
        }
        _ = Close(fd);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
