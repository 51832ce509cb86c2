using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RadSeal.Dicom.Networking;

namespace RadSeal.Dicom.Tests.Networking;

/// <summary>A store handler that keeps every received file (moved into its own folder) and what the SCP said about it.</summary>
internal sealed class KeepingHandler(string folder) : IStoreHandler
{
    public ConcurrentQueue<(StoreRequest Request, string File)> Received { get; } = new();

    public Func<StoreRequest, DimseStatus>? Decide { get; init; }

    public Task<DimseStatus> StoreAsync(StoreRequest request, string receivedFile, CancellationToken cancellationToken)
    {
        var target = Path.Combine(folder, $"{Received.Count:D4}-{request.SopInstanceUid}.dcm");
        File.Move(receivedFile, target);
        Received.Enqueue((request, target));
        return Task.FromResult(Decide?.Invoke(request) ?? DimseStatus.Success);
    }
}

/// <summary>A temp folder per test, a server with a collecting log, and the helpers the networking tests share.</summary>
internal sealed class NetworkScope : IAsyncDisposable
{
    public NetworkScope()
    {
        Root = Directory.CreateTempSubdirectory("radseal-net-").FullName;
        Received = Directory.CreateDirectory(Path.Combine(Root, "received")).FullName;
        Temp = Directory.CreateDirectory(Path.Combine(Root, "temp")).FullName;
        Handler = new KeepingHandler(Received);
    }

    public string Root { get; }
    public string Received { get; }
    public string Temp { get; }
    public KeepingHandler Handler { get; set; }
    public ConcurrentQueue<string> Log { get; } = new();
    public DicomServer? Server { get; private set; }
    public int Port => Server!.LocalEndPoint.Port;

    public DicomServerOptions Options => new()
    {
        Port = 0,
        TempFolder = Temp,
        Log = Log.Enqueue,
        ArtimTimeout = TimeSpan.FromSeconds(10),
        IdleTimeout = TimeSpan.FromSeconds(10),
    };

    public async Task<DicomServer> StartAsync(DicomServerOptions? options = null)
    {
        Server = await DicomServer.StartAsync(options ?? Options, Handler, CancellationToken.None);
        return Server;
    }

    /// <summary>Waits until a log line containing <paramref name="text"/> shows up.</summary>
    public async Task<string> WaitForLogAsync(string text, TimeSpan? timeout = null)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < (timeout ?? TimeSpan.FromSeconds(15)))
        {
            if (Log.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"No log line with '{text}' within the timeout. Log:\n{string.Join('\n', Log)}");
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

internal static class NetworkFiles
{
    public static string TestFile(string name) => Path.Combine(Peers.PydicomTestFiles, name);

    /// <summary>Several SOP classes and syntaxes: explicit, implicit, RLE, JPEG baseline, deflated, big endian, SR.</summary>
    public static string[] Mixed =>
    [
        TestFile("CT_small.dcm"), TestFile("MR_small_implicit.dcm"), TestFile("MR_small_RLE.dcm"),
        TestFile("SC_rgb_jpeg_dcmtk.dcm"), TestFile("image_dfl.dcm"), TestFile("rtplan.dcm"), TestFile("reportsi.dcm"),
    ];

    /// <summary>
    /// A data set as the codec encodes it: Explicit VR Little Endian for the uncompressed family (so a file sent in
    /// another uncompressed syntax compares equal element for element), its own syntax when encapsulated.
    /// </summary>
    public static byte[] DataSetBytes(string path)
    {
        var file = DicomFile.Open(path);
        var syntax = file.TransferSyntax.IsEncapsulated ? file.TransferSyntax : TransferSyntax.ExplicitVRLittleEndian;
        // DCMTK drops Data Set Trailing Padding when it sends (PS3.10 7.2 lets it) and re-encodes sequences with
        // defined lengths: neither changes the instance, so both are normalised away before comparing bytes.
        var dataSet = UndefinedLengths(file.DataSet);
        dataSet.Remove(TrailingPadding);
        using var ms = new MemoryStream();
        new DicomEncoder(ms, syntax).WriteDataSet(dataSet);
        return ms.ToArray();
    }

    private static DicomDataSet UndefinedLengths(DicomDataSet source)
    {
        var copy = new DicomDataSet { UndefinedLength = true };
        foreach (var item in source)
        {
            copy.Set(item is DicomSequence sq
                ? new DicomSequence(sq.Tag, sq.Items.Select(UndefinedLengths).ToList(), undefinedLength: true, sq.VR)
                : item);
        }
        return copy;
    }

    public static readonly DicomTag TrailingPadding = new(0xFFFC, 0xFFFC);

    /// <summary>The data set's SOP Instance UID (rtplan.dcm's meta group names another one).</summary>
    public static string SopInstance(string path)
    {
        var file = DicomFile.Open(path, new ReadOptions { StopAtTag = new DicomTag(0x0008, 0x0019) });
        return file.DataSet.GetString(DicomTags.SOPInstanceUID) ?? file.Meta.GetString(DicomTags.MediaStorageSOPInstanceUID)!;
    }

    /// <summary>Every sent file has a received twin with the same instance UID and the same data set.</summary>
    public static void AssertAllArrived(IEnumerable<string> sent, IReadOnlyCollection<string> received)
    {
        var receivedSets = received.Select(r => (Uid: SopInstance(r), Bytes: DataSetBytes(r), Path: r)).ToList();
        foreach (var s in sent)
        {
            var uid = SopInstance(s);
            var bytes = DataSetBytes(s);
            Assert.True(receivedSets.Any(r => r.Uid == uid && r.Bytes.AsSpan().SequenceEqual(bytes)),
                $"{Path.GetFileName(s)} ({uid}) did not arrive with an equal data set; received: {string.Join(", ", receivedSets.Select(r => Path.GetFileName(r.Path)))}");
        }
    }
}

/// <summary>Hand-made PDUs for hostile peers: written here from PS3.8, not with RadSeal's own encoder.</summary>
internal static class RawPdu
{
    public static byte[] AssociateRequest(string called, string calling, params (byte Id, string Sop, string Ts)[] contexts)
    {
        var body = new List<byte> { 0, 1, 0, 0 };
        body.AddRange(Encoding.ASCII.GetBytes(called.PadRight(16)));
        body.AddRange(Encoding.ASCII.GetBytes(calling.PadRight(16)));
        body.AddRange(new byte[32]);
        Item(body, 0x10, Encoding.ASCII.GetBytes("1.2.840.10008.3.1.1.1"));
        foreach (var (id, sop, ts) in contexts)
        {
            var pc = new List<byte> { id, 0, 0, 0 };
            Item(pc, 0x30, Encoding.ASCII.GetBytes(sop));
            Item(pc, 0x40, Encoding.ASCII.GetBytes(ts));
            Item(body, 0x20, pc.ToArray());
        }
        var user = new List<byte>();
        Item(user, 0x51, [0, 0, 0x40, 0]);
        Item(user, 0x52, Encoding.ASCII.GetBytes("1.2.3.4"));
        Item(body, 0x50, user.ToArray());
        return Frame(0x01, body.ToArray());
    }

    public static byte[] PData(byte contextId, bool command, bool last, ReadOnlySpan<byte> value)
    {
        var body = new byte[6 + value.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body, (uint)(2 + value.Length));
        body[4] = contextId;
        body[5] = (byte)((command ? 1 : 0) | (last ? 2 : 0));
        value.CopyTo(body.AsSpan(6));
        return Frame(0x04, body);
    }

    public static byte[] Abort() => Frame(0x07, [0, 0, 0, 0]);

    public static byte[] Frame(byte type, byte[] body)
    {
        var pdu = new byte[6 + body.Length];
        pdu[0] = type;
        BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(2), (uint)body.Length);
        body.CopyTo(pdu, 6);
        return pdu;
    }

    /// <summary>A C-STORE-RQ command set in Implicit VR Little Endian, built with the codec's public encoder.</summary>
    public static byte[] StoreCommand(string sopClass, string sopInstance)
    {
        var ds = new DicomDataSet();
        ds.SetValues(DicomTags.CommandGroupLength, DicomVR.UL, 0u);
        ds.SetString(DicomTags.AffectedSOPClassUID, DicomVR.UI, sopClass);
        ds.SetValues(DicomTags.CommandField, DicomVR.US, (ushort)0x0001);
        ds.SetValues(DicomTags.MessageID, DicomVR.US, (ushort)7);
        ds.SetValues(DicomTags.Priority, DicomVR.US, (ushort)0);
        ds.SetValues(DicomTags.CommandDataSetType, DicomVR.US, (ushort)0);
        ds.SetString(DicomTags.AffectedSOPInstanceUID, DicomVR.UI, sopInstance);
        using var ms = new MemoryStream();
        new DicomEncoder(ms, TransferSyntax.ImplicitVRLittleEndian).WriteDataSet(ds);
        return ms.ToArray();
    }

    private static void Item(List<byte> target, byte type, byte[] value)
    {
        target.Add(type);
        target.Add(0);
        target.Add((byte)(value.Length >> 8));
        target.Add((byte)value.Length);
        target.AddRange(value);
    }

    /// <summary>Reads one PDU (type and body) with a timeout; null when the server closed the connection.</summary>
    public static async Task<(byte Type, byte[] Body)?> ReadAsync(Stream stream, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var header = new byte[6];
        try
        {
            await stream.ReadExactlyAsync(header, cts.Token);
        }
        catch (EndOfStreamException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
        var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(2))];
        await stream.ReadExactlyAsync(body, cts.Token);
        return (header[0], body);
    }

    /// <summary>True when the server closes the connection (after any PDUs it sends) within the timeout.</summary>
    public static async Task<bool> ClosedWithinAsync(Stream stream, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, cts.Token) > 0)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
