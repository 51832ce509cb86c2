using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RadSeal.Dicom.Networking;

namespace RadSeal.Server.Gateway;

/// <summary>
/// The SCP's store handler: every received data set (a complete Part-10 temp file) goes into the gateway's ingest, and
/// Success is answered only once it is durable in the spool.
/// </summary>
public sealed class GatewayStoreHandler(GatewayService gateway) : IStoreHandler
{
    public async Task<DimseStatus> StoreAsync(StoreRequest request, string receivedFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var result = await gateway.IngestOwnedFileAsync(receivedFile, cancellationToken);
            return result.Stored ? DimseStatus.Success : DimseStatus.CannotUnderstand;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return DimseStatus.OutOfResources; // disk full or the spool unwritable: the sender keeps its copy
        }
    }
}

/// <summary>The gateway's DICOM listener (C-ECHO, C-STORE SCP) on --dicom-port, started after the pipeline.</summary>
public sealed partial class DicomListener(GatewayService gateway, ILogger<DicomListener> logger) : IHostedService, IAsyncDisposable
{
    private DicomServer? _server;

    /// <summary>Where the listener listens (null before start).</summary>
    public IPEndPoint? EndPoint => _server?.LocalEndPoint;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = gateway.Options;
        _server = await DicomServer.StartAsync(new DicomServerOptions
        {
            Port = options.DicomPort ?? 0,
            BindAddress = options.DicomBindAddress,
            AeTitle = options.AeTitle,
            TempFolder = Path.Combine(gateway.Root, "tmp"), // same file system as the spool: ingest is a rename
            EarlyWriteBack = true, // every file is fsynced before its Success status
            Log = message => LogDimse(message),
        }, new GatewayStoreHandler(gateway), cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "dicom: {Message}")]
    private partial void LogDimse(string message);
}

/// <summary>C-STORE SCU to a DICOM peer (--forward dicom://AET@HOST:PORT).</summary>
public sealed class CStoreForwarder(DicomPeer peer, DicomClient client) : IForwarder
{
    public string Target => $"dicom://{peer.CalledAe}@{peer.Host}:{peer.Port}";

    /// <summary>Parses dicom://AET@HOST:PORT.</summary>
    public static DicomPeer ParsePeer(Uri uri, string callingAe)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.Scheme != "dicom" || uri.UserInfo.Length is 0 or > 16 || uri.Port <= 0)
        {
            throw new FormatException($"'{uri}': use dicom://AET@HOST:PORT");
        }
        return new DicomPeer(uri.Host, uri.Port, Uri.UnescapeDataString(uri.UserInfo), callingAe);
    }

    public async Task<ForwardResult> ForwardAsync(string path, string sopInstanceUid, CancellationToken cancellationToken)
    {
        IReadOnlyList<StoreResult> results;
        try
        {
            results = await client.StoreAsync(peer, [path], cancellationToken);
        }
        catch (Exception ex) when (ex is DicomNetworkException or IOException or SocketException or TimeoutException)
        {
            return new ForwardResult(ForwardStatus.Retry, $"{Target}: {ex.Message}");
        }
        var r = results[0];
        if (r.Stored)
        {
            return new ForwardResult(ForwardStatus.Delivered, $"{Target}: {r.Status}");
        }
        // Out of resources (A7xx), no response (lost association) and processing failure are the peer's trouble.
        var transient = r.Status.Code is >= 0xA700 and <= 0xA7FF or 0xFFFF or 0x0110;
        return new ForwardResult(transient ? ForwardStatus.Retry : ForwardStatus.Refused, $"{Target}: {r.Status} {r.Error}");
    }
}
