using System.Net.Sockets;
using RadSeal.Dicom.Networking;

namespace RadSeal.Dicom.Tests.Networking;

/// <summary>
/// TCP keeps no message boundaries: the server must reassemble the same store whether the peer's bytes arrive all in
/// one read (several PDUs, and PDV items two to a PDU), a few bytes at a time, or in pieces that straddle the server's
/// 4 KiB read-ahead for headers.
/// </summary>
public sealed class PduFramingTests
{
    /// <summary>An association, one C-STORE of CT_small.dcm cut into PDUs of uneven sizes, and a release request.</summary>
    private static (byte[] Bytes, byte[] DataSet, string Uid) Conversation()
    {
        var path = NetworkFiles.TestFile("CT_small.dcm");
        var uid = NetworkFiles.SopInstance(path);
        var dataSet = NetworkFiles.DataSetBytes(path);
        var command = RawPdu.StoreCommand(DicomUids.CTImageStorage, uid);
        using var bytes = new MemoryStream();
        bytes.Write(RawPdu.AssociateRequest("RADSEAL", "FRAMING", (1, DicomUids.CTImageStorage, DicomUids.ExplicitVRLittleEndian)));
        // The command in two fragments; then the data set in fragments of 1, 4090..4102 (around the read-ahead) and
        // 20,000 bytes, with two PDV items in one PDU now and then.
        bytes.Write(RawPdu.PData(1, command: true, last: false, command.AsSpan(0, 10)));
        bytes.Write(RawPdu.PData(1, command: true, last: true, command.AsSpan(10)));
        int[] sizes = [1, 4090, 4095, 4096, 4097, 4102, 20_000, 7];
        var at = 0;
        for (var i = 0; at < dataSet.Length; i++)
        {
            var n = Math.Min(sizes[i % sizes.Length], dataSet.Length - at);
            var last = at + n == dataSet.Length;
            if (i % 3 == 2 && !last && n > 1)
            {
                // Two PDV items in one P-DATA-TF PDU.
                var half = n / 2;
                var first = RawPdu.PData(1, command: false, last: false, dataSet.AsSpan(at, half));
                var second = RawPdu.PData(1, command: false, last: false, dataSet.AsSpan(at + half, n - half));
                bytes.Write(RawPdu.Frame(0x04, [.. first.AsSpan(6), .. second.AsSpan(6)]));
            }
            else
            {
                bytes.Write(RawPdu.PData(1, command: false, last, dataSet.AsSpan(at, n)));
            }
            at += n;
        }
        bytes.Write(RawPdu.Frame(0x05, [0, 0, 0, 0]));
        return (bytes.ToArray(), dataSet, uid);
    }

    /// <summary>Status (0000,0900) from a P-DATA-TF body holding one command PDV (Implicit VR Little Endian).</summary>
    private static int Status(byte[] body)
    {
        var at = 6; // PDV item length, context, control
        while (at + 8 <= body.Length)
        {
            var group = BitConverter.ToUInt16(body, at);
            var element = BitConverter.ToUInt16(body, at + 2);
            var length = BitConverter.ToInt32(body, at + 4);
            if (group == 0 && element == 0x0900)
            {
                return BitConverter.ToUInt16(body, at + 8);
            }
            at += 8 + length;
        }
        return -1;
    }

    public static TheoryData<string> Splits => ["whole", "trickle", "read-ahead"];

    [Theory]
    [MemberData(nameof(Splits))]
    public async Task A_store_arrives_intact_however_its_bytes_are_split(string split)
    {
        var (bytes, dataSet, uid) = Conversation();
        await using var scope = new NetworkScope();
        await scope.StartAsync();
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", scope.Port);
        var stream = client.GetStream();
        // Written from another task while this one reads the replies, so neither side waits on a full buffer.
        var writer = Task.Run(async () =>
        {
            var random = new Random(7);
            var at = 0;
            while (at < bytes.Length)
            {
                var n = split switch
                {
                    "whole" => bytes.Length,
                    "trickle" => random.Next(1, 8),
                    _ => random.Next(4090, 4103),
                };
                n = Math.Min(n, bytes.Length - at);
                await stream.WriteAsync(bytes.AsMemory(at, n));
                at += n;
            }
        });
        var replies = new List<byte>();
        while (await RawPdu.ReadAsync(stream, TimeSpan.FromSeconds(30)) is { } pdu)
        {
            replies.Add(pdu.Type);
            if (pdu.Type == 0x04)
            {
                Assert.Equal(0, Status(pdu.Body)); // the C-STORE-RSP says Success
            }
            if (pdu.Type is 0x06 or 0x07)
            {
                break;
            }
        }
        await writer;
        Assert.Equal([0x02, 0x04, 0x06], replies); // A-ASSOCIATE-AC, the response, A-RELEASE-RP
        var (request, file) = Assert.Single(scope.Handler.Received);
        Assert.Equal(uid, request.SopInstanceUid);
        Assert.Equal(dataSet, NetworkFiles.DataSetBytes(file));
    }
}
