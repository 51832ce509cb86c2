using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace RadSeal.Dicom.Networking;

/// <summary>
/// A storage SCP (C-ECHO, C-STORE) on the DICOM upper layer (PS3.8). Each connection is served by its own async
/// task with bounded buffers; received data sets stream to a temp file that the <see cref="IStoreHandler"/> takes over.
/// </summary>
public sealed class DicomServer : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly DicomServerOptions options;
    private readonly IStoreHandler handler;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<int, Task> connections = new();
    private readonly string tempFolder;
    private Task? acceptLoop;
    private int nextConnection;
    private int open;

    private DicomServer(DicomServerOptions options, IStoreHandler handler, TcpListener listener)
    {
        this.options = options;
        this.handler = handler;
        this.listener = listener;
        tempFolder = options.TempFolder ?? Path.GetTempPath();
    }

    /// <summary>The address and port actually listened on (the port chosen when the options asked for 0).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)listener.LocalEndpoint;

    /// <summary>Associations (connections) being served now.</summary>
    public int OpenAssociations => Volatile.Read(ref open);

    public static Task<DicomServer> StartAsync(DicomServerOptions options, IStoreHandler storeHandler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storeHandler);
        cancellationToken.ThrowIfCancellationRequested();
        if (options.AeTitle.Length is 0 or > 16)
        {
            throw new ArgumentException($"AE title '{options.AeTitle}' must be 1 to 16 characters.", nameof(options));
        }
        if (options.MaxPduLength < 4096)
        {
            throw new ArgumentException($"MaxPduLength {options.MaxPduLength} is below 4096.", nameof(options));
        }
        if (options.TempFolder is { } folder)
        {
            Directory.CreateDirectory(folder);
        }
        var listener = new TcpListener(options.BindAddress, options.Port);
        listener.Start(backlog: 64);
        var server = new DicomServer(options, storeHandler, listener);
        server.acceptLoop = server.AcceptLoopAsync();
        return Task.FromResult(server);
    }

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            var id = Interlocked.Increment(ref nextConnection);
            var count = Interlocked.Increment(ref open);
            // Past twice the limit a connection is not even read: a flood cannot make the server hold more than this.
            if (count > 2 * options.MaxAssociations)
            {
                Log($"DICOM connection from {socket.RemoteEndPoint}: closed at once, {count - 1} connections already open (limit {options.MaxAssociations}).");
                socket.Dispose();
                Interlocked.Decrement(ref open);
                continue;
            }
            var task = ServeAsync(socket, count > options.MaxAssociations);
            connections[id] = task;
            _ = task.ContinueWith(_ =>
            {
                connections.TryRemove(id, out Task? _);
                Interlocked.Decrement(ref open);
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket, bool overLimit)
    {
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        try
        {
            socket.NoDelay = true;
            await using var network = new NetworkStream(socket, ownsSocket: true);
            using var association = new ServerAssociation(options, handler, remote, tempFolder, overLimit, Log);
            await association.RunAsync(network, stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The association logged what it knew; a connection dropping under us needs no more.
        }
#pragma warning disable CA1031 // One connection's fault must never end the server; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log($"DICOM association from {remote}: ended by an internal error: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private void Log(string line) => options.Log?.Invoke(line);

    /// <summary>Stops listening, aborts the associations in progress and waits for them to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested)
        {
            return;
        }
        await stopping.CancelAsync().ConfigureAwait(false);
        listener.Stop();
        if (acceptLoop is not null)
        {
            await acceptLoop.ConfigureAwait(false);
        }
        await Task.WhenAll(connections.Values).ConfigureAwait(false);
        listener.Dispose();
        stopping.Dispose();
    }
}

/// <summary>Creates the <see cref="SslStream"/> for DICOM TLS on either side.</summary>
internal static class DicomTls
{
    public static async Task<Stream> ServerAsync(Stream network, SslServerAuthenticationOptions tls, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(tls, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
