using System.Buffers;
using System.Buffers.Binary;

namespace RadSeal.Dicom.Networking;

/// <summary>One PDV fragment header (PS3.8 9.3.5.1, E.2): the context it belongs to and its control bits.</summary>
internal readonly record struct PdvHeader(byte ContextId, bool IsCommand, bool IsLast);

/// <summary>
/// Reads and writes PDUs on one connection. Length claims are checked before anything is allocated; P-DATA values are
/// streamed through one pooled buffer, never held whole.
/// </summary>
internal sealed class PduChannel : IDisposable
{
    private const int ChunkSize = 256 * 1024;
    private readonly Stream stream;
    private readonly byte[] header = new byte[Pdu.HeaderLength];
    private byte[]? chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);

    // Read-ahead for the small reads (PDU and PDV item headers, small PDU bodies): one receive brings a PDU's header
    // together with its first item header and the start of its value, where reading each exactly cost a system call
    // per header, two per PDU. Large reads go straight into the caller's buffer once this is empty.
    private const int AheadSize = 4096;
    private readonly byte[] ahead = new byte[AheadSize];
    private int aheadStart;
    private int aheadEnd;

    public PduChannel(Stream stream) => this.stream = stream;

    public Stream Stream => stream;

    public async Task<(PduType Type, uint Length)> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        await ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        var type = header[0];
        if (type is < 1 or > 7)
        {
            throw new DicomProtocolException($"Unrecognized PDU type 0x{type:X2}.", abortReason: 1);
        }
        return ((PduType)type, BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(2)));
    }

    /// <summary>Reads the body of a small PDU after checking its claimed length against <paramref name="max"/>.</summary>
    public async Task<byte[]> ReadBodyAsync(PduType type, uint length, uint max, CancellationToken cancellationToken)
    {
        if (length > max)
        {
            throw new DicomProtocolException($"The {type} PDU claims {length} bytes, more than the {max} allowed.", abortReason: 6);
        }
        var body = new byte[length];
        await ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return body;
    }

    /// <summary>
    /// Reads the PDV items of a P-DATA-TF PDU of <paramref name="length"/> bytes, handing each value over in chunks;
    /// <c>onData</c> is told the header and whether the chunk ends the PDV.
    /// </summary>
    public async Task ReadPdvsAsync(uint length, Func<PdvHeader, ReadOnlyMemory<byte>, bool, ValueTask> onData, CancellationToken cancellationToken)
    {
        var buffer = chunk ?? throw new ObjectDisposedException(nameof(PduChannel));
        long left = length;
        while (left > 0)
        {
            if (left < 6)
            {
                throw new DicomProtocolException($"A P-DATA-TF PDU ends inside a PDV item header ({left} bytes left).", abortReason: 6);
            }
            await ReadExactlyAsync(buffer.AsMemory(0, 6), cancellationToken).ConfigureAwait(false);
            var itemLength = BinaryPrimitives.ReadUInt32BigEndian(buffer);
            left -= 4;
            if (itemLength < 2 || itemLength > left)
            {
                throw new DicomProtocolException($"A PDV item claims {itemLength} bytes, but its PDU has {left} left.", abortReason: 6);
            }
            var pdv = new PdvHeader(buffer[4], (buffer[5] & 1) != 0, (buffer[5] & 2) != 0);
            if (pdv.ContextId % 2 == 0)
            {
                throw new DicomProtocolException($"A PDV names presentation context {pdv.ContextId}, which is even and so never proposed.", abortReason: 6);
            }
            left -= itemLength;
            long value = itemLength - 2;
            if (value == 0)
            {
                await onData(pdv, ReadOnlyMemory<byte>.Empty, true).ConfigureAwait(false);
            }
            while (value > 0)
            {
                var n = (int)Math.Min(value, buffer.Length);
                await ReadExactlyAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                value -= n;
                await onData(pdv, buffer.AsMemory(0, n), value == 0).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Fills <paramref name="target"/>: first from the read-ahead, then from the stream.</summary>
    private async ValueTask ReadExactlyAsync(Memory<byte> target, CancellationToken cancellationToken)
    {
        var buffered = Math.Min(aheadEnd - aheadStart, target.Length);
        if (buffered > 0)
        {
            ahead.AsMemory(aheadStart, buffered).CopyTo(target);
            aheadStart += buffered;
            target = target[buffered..];
        }
        if (target.Length == 0)
        {
            return;
        }
        if (target.Length >= AheadSize)
        {
            await stream.ReadExactlyAsync(target, cancellationToken).ConfigureAwait(false);
            return;
        }
        // Never waits for more than is needed: whatever else has arrived is kept for the next reads.
        aheadEnd = await stream.ReadAtLeastAsync(ahead, target.Length, throwOnEndOfStream: true, cancellationToken).ConfigureAwait(false);
        ahead.AsMemory(0, target.Length).CopyTo(target);
        aheadStart = target.Length;
    }

    public async Task WriteAsync(byte[] pdu, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(pdu, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a command set as P-DATA-TF PDUs no larger than <paramref name="maxPduLength"/>.</summary>
    public async Task WriteCommandAsync(byte contextId, DimseCommand command, uint maxPduLength, CancellationToken cancellationToken)
    {
        var bytes = command.Encode();
        var max = MaxPdvValue(maxPduLength);
        var offset = 0;
        do
        {
            var n = Math.Min(max, bytes.Length - offset);
            var last = offset + n == bytes.Length;
            await stream.WriteAsync(PDataPdu(contextId, isCommand: true, last, bytes.AsSpan(offset, n)), cancellationToken).ConfigureAwait(false);
            offset += n;
        }
        while (offset < bytes.Length);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The most value bytes one PDV may carry in a PDU the peer accepts (0 = no limit: 64 KiB is used).</summary>
    public static int MaxPdvValue(uint maxPduLength)
    {
        var max = maxPduLength == 0 ? 64 * 1024 : Math.Min(maxPduLength, 1024 * 1024);
        return (int)Math.Max(max - 6, 16);
    }

    public static byte[] PDataPdu(byte contextId, bool isCommand, bool last, ReadOnlySpan<byte> value)
    {
        var pdu = new byte[Pdu.HeaderLength + 6 + value.Length];
        pdu[0] = (byte)PduType.PData;
        BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(2), (uint)(6 + value.Length));
        BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(6), (uint)(2 + value.Length));
        pdu[10] = contextId;
        pdu[11] = (byte)((isCommand ? 1 : 0) | (last ? 2 : 0));
        value.CopyTo(pdu.AsSpan(12));
        return pdu;
    }

    public void Dispose()
    {
        if (chunk is { } c)
        {
            chunk = null;
            ArrayPool<byte>.Shared.Return(c);
        }
    }
}

/// <summary>A protocol violation by the peer: answered with an A-ABORT carrying <see cref="AbortReason"/>.</summary>
internal sealed class DicomProtocolException(string message, byte abortReason) : DicomNetworkException(message)
{
    public byte AbortReason { get; } = abortReason;
}
