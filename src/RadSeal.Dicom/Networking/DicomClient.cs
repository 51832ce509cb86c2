using System.Buffers.Binary;
using System.IO.Compression;
using System.Net.Security;
using System.Net.Sockets;

namespace RadSeal.Dicom.Networking;

/// <summary>The remote application entity to talk to.</summary>
public sealed record DicomPeer(string Host, int Port, string CalledAe, string CallingAe = "RADSEAL");

/// <summary>What happened to one file: the peer's status, or an error saying why it was not stored.</summary>
/// <param name="Status">The C-STORE-RSP status; <see cref="DimseStatus.NoResponse"/> when none came back.</param>
/// <param name="Error">Why the file was not sent or not answered; null when the peer answered.</param>
public sealed record StoreResult(string File, DimseStatus Status, string? Error)
{
    /// <summary>The peer answered success or a warning (the instance is stored).</summary>
    public bool Stored => Error is null && (Status.IsSuccess || Status.IsWarning);
}

/// <summary>How the SCU connects; an immutable options object.</summary>
public sealed record DicomClientOptions
{
    public static DicomClientOptions Default { get; } = new();

    /// <summary>The largest P-DATA-TF PDU this side receives (announced in the A-ASSOCIATE-RQ).</summary>
    public int MaxPduLength { get; init; } = 64 * 1024;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long to wait for the A-ASSOCIATE-AC, a DIMSE response or the A-RELEASE-RP.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>DICOM TLS: when set the connection starts with a TLS handshake (TargetHost defaults to the peer's host).</summary>
    public SslClientAuthenticationOptions? Tls { get; init; }

    /// <summary>Where data sets that must be converted to another syntax are staged; the system temp folder when null.</summary>
    public string? TempFolder { get; init; }
}

/// <summary>
/// A storage and verification SCU: C-ECHO, and C-STORE of many files over one association, each sent in its own
/// transfer syntax when the peer accepts it, else converted to Explicit or Implicit VR Little Endian.
/// </summary>
public sealed class DicomClient
{
    private readonly DicomClientOptions options;

    public DicomClient(DicomClientOptions? options = null) => this.options = options ?? DicomClientOptions.Default;

    /// <summary>Opens an association proposing Verification, sends a C-ECHO and releases; returns the peer's status.</summary>
    public async Task<DimseStatus> EchoAsync(DicomPeer peer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var contexts = new List<PresentationContext>
        {
            new(1, DicomUids.Verification, [DicomUids.ExplicitVRLittleEndian, DicomUids.ImplicitVRLittleEndian]),
        };
        await using var association = await ClientAssociation.OpenAsync(peer, contexts, options, cancellationToken).ConfigureAwait(false);
        if (association.Accepted(1) is null)
        {
            await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
            throw new DicomNetworkException($"{peer.CalledAe} at {peer.Host}:{peer.Port} did not accept the Verification SOP class.");
        }
        var response = await association.RequestAsync(1, DimseCommand.EchoRequest(association.NextMessageId()), dataSet: null, cancellationToken).ConfigureAwait(false);
        await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        return response.Status;
    }

    /// <summary>
    /// Sends every file over one association and returns one result per file, in order. A rejected association
    /// throws; an association lost midway leaves the rest of the files with <see cref="DimseStatus.NoResponse"/>.
    /// </summary>
    public async Task<IReadOnlyList<StoreResult>> StoreAsync(DicomPeer peer, IReadOnlyList<string> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(files);
        var results = new StoreResult?[files.Count];
        var plans = new OutgoingFile?[files.Count];
        var contexts = new List<PresentationContext>();
        var byKey = new Dictionary<(string Sop, string Ts), byte>();
        var fallback = new Dictionary<string, byte>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            try
            {
                plans[i] = OutgoingFile.Inspect(files[i]);
            }
            catch (Exception ex) when (ex is DicomFormatException or IOException or UnauthorizedAccessException or DicomNetworkException)
            {
                results[i] = new StoreResult(files[i], DimseStatus.NoResponse, $"not sent: {ex.Message}");
                continue;
            }
            var plan = plans[i]!;
            if (!byKey.ContainsKey((plan.SopClassUid, plan.TransferSyntax.Uid)))
            {
                if (!TryAdd(contexts, plan.SopClassUid, [plan.TransferSyntax.Uid], out var id))
                {
                    results[i] = new StoreResult(files[i], DimseStatus.NoResponse, "not sent: more than 128 SOP class and transfer syntax pairs for one association");
                    continue;
                }
                byKey[(plan.SopClassUid, plan.TransferSyntax.Uid)] = id;
            }
            if (!plan.TransferSyntax.IsEncapsulated && !fallback.ContainsKey(plan.SopClassUid)
                && TryAdd(contexts, plan.SopClassUid, [DicomUids.ExplicitVRLittleEndian, DicomUids.ImplicitVRLittleEndian], out var id2))
            {
                fallback[plan.SopClassUid] = id2;
            }
        }
        if (contexts.Count == 0)
        {
            return results.Select((r, i) => r ?? new StoreResult(files[i], DimseStatus.NoResponse, "not sent")).ToList();
        }

        await using var association = await ClientAssociation.OpenAsync(peer, contexts, options, cancellationToken).ConfigureAwait(false);
        string? lost = null;
        for (var i = 0; i < files.Count; i++)
        {
            if (results[i] is not null || plans[i] is not { } plan)
            {
                continue;
            }
            if (lost is not null)
            {
                results[i] = new StoreResult(files[i], DimseStatus.NoResponse, lost);
                continue;
            }
            var exact = association.Accepted(byKey[(plan.SopClassUid, plan.TransferSyntax.Uid)]);
            byte contextId;
            TransferSyntax target;
            if (exact is not null)
            {
                contextId = exact.Id;
                target = plan.TransferSyntax;
            }
            else if (!plan.TransferSyntax.IsEncapsulated && fallback.TryGetValue(plan.SopClassUid, out var fb) && association.Accepted(fb) is { } converted)
            {
                contextId = converted.Id;
                target = TransferSyntax.FromUid(converted.AcceptedTransferSyntax!);
            }
            else
            {
                results[i] = new StoreResult(files[i], DimseStatus.NoResponse,
                    $"not sent: the peer accepted no presentation context for {plan.SopClassUid} in {plan.TransferSyntax.Name}" +
                    (plan.TransferSyntax.IsEncapsulated ? " (encapsulated pixel data cannot be converted)" : ""));
                continue;
            }
            try
            {
                using var dataSet = plan.OpenDataSet(target, options.TempFolder ?? Path.GetTempPath());
                var request = DimseCommand.StoreRequest(association.NextMessageId(), plan.SopClassUid, plan.SopInstanceUid);
                var response = await association.RequestAsync(contextId, request, dataSet, cancellationToken).ConfigureAwait(false);
                results[i] = new StoreResult(files[i], response.Status, null);
            }
            catch (Exception ex) when (ex is DicomFormatException or DicomEncodingException or UnauthorizedAccessException or FileNotFoundException)
            {
                // The file could not be read or converted before anything went on the wire: the association is still fine.
                results[i] = new StoreResult(files[i], DimseStatus.NoResponse, $"not sent: {ex.Message}");
            }
            catch (Exception ex) when (ex is DicomNetworkException or IOException or SocketException)
            {
                // A network fault ends the association for every file after this one.
                lost = $"not sent: the association was lost ({ex.Message})";
                results[i] = new StoreResult(files[i], DimseStatus.NoResponse, $"no response: {ex.Message}");
            }
        }
        if (lost is null)
        {
            await association.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        }
        return results.Select((r, i) => r ?? new StoreResult(files[i], DimseStatus.NoResponse, "not sent")).ToList();
    }

    private static bool TryAdd(List<PresentationContext> contexts, string sop, string[] syntaxes, out byte id)
    {
        id = 0;
        if (contexts.Count >= 128)
        {
            return false;
        }
        id = (byte)(2 * contexts.Count + 1);
        contexts.Add(new PresentationContext(id, sop, syntaxes));
        return true;
    }
}

/// <summary>A file to send: its identity from the header, and where its data set bytes are.</summary>
internal sealed class OutgoingFile
{
    private OutgoingFile(string path, string sopClass, string sopInstance, TransferSyntax syntax, long dataSetOffset)
    {
        Path = path;
        SopClassUid = sopClass;
        SopInstanceUid = sopInstance;
        TransferSyntax = syntax;
        DataSetOffset = dataSetOffset;
    }

    public string Path { get; }
    public string SopClassUid { get; }
    public string SopInstanceUid { get; }
    public TransferSyntax TransferSyntax { get; }

    /// <summary>Where the data set starts in the file (after the meta group), or -1 when it must be re-encoded.</summary>
    public long DataSetOffset { get; }

    public static OutgoingFile Inspect(string path)
    {
        var header = DicomFile.Open(path, new ReadOptions { StopAtTag = new DicomTag(0x0008, 0x0019) });
        // The data set's own UIDs first: they are what the receiver checks the command against (a meta group that
        // disagrees with its data set is a known fault of some writers).
        var sopClass = header.DataSet.GetString(DicomTags.SOPClassUID) ?? header.Meta.GetString(DicomTags.MediaStorageSOPClassUID);
        var sopInstance = header.DataSet.GetString(DicomTags.SOPInstanceUID) ?? header.Meta.GetString(DicomTags.MediaStorageSOPInstanceUID);
        if (string.IsNullOrEmpty(sopClass) || string.IsNullOrEmpty(sopInstance))
        {
            throw new DicomNetworkException($"'{path}' names no SOP Class UID or SOP Instance UID.");
        }
        var declared = header.Meta.GetString(DicomTag.TransferSyntaxUid);
        var syntax = header.TransferSyntax;
        var offset = header.Format switch
        {
            DicomFileFormat.DataSetOnly => 0,
            DicomFileFormat.Part10 when declared == header.TransferSyntax.Uid => MetaEnd(path),
            _ => -1,
        };
        return new OutgoingFile(path, sopClass, sopInstance, syntax, offset);
    }

    /// <summary>The end of the meta group when it starts with its group length (as PS3.10 requires), else -1.</summary>
    private static long MetaEnd(string path)
    {
        Span<byte> head = stackalloc byte[144];
        using var stream = File.OpenRead(path);
        if (stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length
            || !head[128..132].SequenceEqual("DICM"u8)
            || !head[132..140].SequenceEqual(new byte[] { 0x02, 0x00, 0x00, 0x00, (byte)'U', (byte)'L', 0x04, 0x00 }))
        {
            return -1;
        }
        var end = 144L + BinaryPrimitives.ReadUInt32LittleEndian(head[140..]);
        return end <= stream.Length ? end : -1;
    }

    /// <summary>
    /// The data set bytes as they go on the wire in <paramref name="target"/>: a window on the file when it is already
    /// in that syntax, else a temp file encoded by the codec (deleted on dispose).
    /// </summary>
    public OutgoingDataSet OpenDataSet(TransferSyntax target, string tempFolder)
    {
        if (target.Uid == TransferSyntax.Uid && DataSetOffset >= 0)
        {
            var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
            stream.Position = DataSetOffset;
            return new OutgoingDataSet(stream, stream.Length - DataSetOffset, null);
        }
        var file = DicomFile.Open(Path);
        var temp = System.IO.Path.Combine(tempFolder, $"radseal-send-{Guid.NewGuid():N}.tmp");
        try
        {
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                if (target.IsDeflated)
                {
                    using var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true);
                    using var buffered = new BufferedStream(deflate, 64 * 1024);
                    new DicomEncoder(buffered, TransferSyntax.ExplicitVRLittleEndian).WriteDataSet(file.DataSet);
                }
                else
                {
                    if (file.TransferSyntax.Uid != target.Uid && (file.TransferSyntax.IsEncapsulated || file.DataSet.Find(DicomTag.PixelData) is DicomFragmentSequence))
                    {
                        throw new DicomEncodingException($"Cannot convert '{Path}' from {file.TransferSyntax.Name} to {target.Name}: its pixel data is encapsulated.");
                    }
                    new DicomEncoder(output, target).WriteDataSet(file.DataSet);
                }
            }
            var stream = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
            return new OutgoingDataSet(stream, stream.Length, null);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}

/// <summary>A readable window of <see cref="Length"/> bytes for one data set.</summary>
internal sealed class OutgoingDataSet(Stream stream, long length, string? tempFile) : IDisposable
{
    public Stream Stream { get; } = stream;

    public long Length { get; } = length;

    public void Dispose()
    {
        Stream.Dispose();
        if (tempFile is not null)
        {
            File.Delete(tempFile);
        }
    }
}
