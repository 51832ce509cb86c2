using System.Buffers;
using System.Buffers.Binary;

namespace RadSeal.Dicom;

/// <summary>
/// A forward reader over a stream with its own buffer and a 64-bit position. Knows how much remains when the stream
/// is seekable, so length claims can be checked before anything is allocated.
/// </summary>
internal sealed class ByteSource : IDisposable
{
    private const int BufferSize = 64 * 1024;
    private readonly Stream stream;
    private readonly long baseOffset;
    private byte[] buffer;
    private int pos;
    private int len;
    private long bufferStart;

    /// <summary>When not empty, the very bytes the stream reads (from its position 0): values are sliced out of it instead of copied.</summary>
    private readonly ReadOnlyMemory<byte> alias;

    public ByteSource(Stream stream, long baseOffset = 0)
    {
        this.stream = stream;
        this.baseOffset = baseOffset;
        TotalLength = stream.CanSeek ? stream.Length - stream.Position : -1;
        var size = TotalLength is >= 0 and < BufferSize ? (int)Math.Max(TotalLength, 16) : BufferSize;
        buffer = ArrayPool<byte>.Shared.Rent(size);
    }

    /// <summary>A source over bytes in memory that values may alias: <paramref name="stream"/> must read exactly <paramref name="bytes"/>.</summary>
    public ByteSource(Stream stream, ReadOnlyMemory<byte> bytes)
        : this(stream)
    {
        if (TotalLength != bytes.Length)
        {
            throw new ArgumentException("The stream does not read the aliased bytes.", nameof(stream));
        }
        alias = bytes;
    }

    /// <summary>Length of the readable content, or -1 for a stream of unknown length (deflated data).</summary>
    public long TotalLength { get; }

    /// <summary>Position relative to the start of this source.</summary>
    public long Position => bufferStart + pos;

    /// <summary>Offset to report in messages (relative to the file where the source is the file itself).</summary>
    public long ReportOffset => baseOffset + Position;

    public bool CanSeek => TotalLength >= 0;

    /// <summary>Bytes left, or <see cref="long.MaxValue"/> when unknown.</summary>
    public long Remaining => TotalLength >= 0 ? TotalLength - Position : long.MaxValue;

    public bool IsAtEnd => !TryEnsure(1);

    /// <summary>Makes <paramref name="count"/> bytes available in the buffer; false at end of stream.</summary>
    public bool TryEnsure(int count)
    {
        if (len - pos >= count)
        {
            return true;
        }
        if (count > buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(count);
            Buffer.BlockCopy(buffer, pos, bigger, 0, len - pos);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = bigger;
        }
        else if (pos > 0)
        {
            Buffer.BlockCopy(buffer, pos, buffer, 0, len - pos);
        }
        bufferStart += pos;
        len -= pos;
        pos = 0;
        while (len < count)
        {
            var n = stream.Read(buffer, len, buffer.Length - len);
            if (n == 0)
            {
                return false;
            }
            len += n;
        }
        return true;
    }

    public ReadOnlySpan<byte> Peek(int count) => TryEnsure(count) ? buffer.AsSpan(pos, count) : ReadOnlySpan<byte>.Empty;

    /// <summary>Up to <paramref name="count"/> bytes without consuming them (fewer at end of stream).</summary>
    public ReadOnlySpan<byte> PeekUpTo(int count)
    {
        TryEnsure(count);
        return buffer.AsSpan(pos, Math.Min(count, len - pos));
    }

    /// <summary>The bytes read from the stream but not yet consumed.</summary>
    public ReadOnlySpan<byte> BufferedRemainder => buffer.AsSpan(pos, len - pos);

    public ushort ReadUInt16(bool littleEndian)
    {
        var s = Take(2);
        return littleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(s) : BinaryPrimitives.ReadUInt16BigEndian(s);
    }

    public uint ReadUInt32(bool littleEndian)
    {
        var s = Take(4);
        return littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(s) : BinaryPrimitives.ReadUInt32BigEndian(s);
    }

    /// <summary>Consumes <paramref name="count"/> buffered bytes (count must be small).</summary>
    public ReadOnlySpan<byte> Take(int count)
    {
        if (!TryEnsure(count))
        {
            throw new EndOfStreamException();
        }
        var s = buffer.AsSpan(pos, count);
        pos += count;
        return s;
    }

    /// <summary>
    /// Reads <paramref name="count"/> bytes into a new array. The caller has checked <paramref name="count"/> against
    /// <see cref="Remaining"/> where known; where not, the array grows only as data actually arrives, so a false
    /// 4 GB claim costs what the stream really holds.
    /// </summary>
    public byte[] ReadBytes(long count)
    {
        if (count > Array.MaxLength)
        {
            throw new EndOfStreamException();
        }
        var n = (int)count;
        if (TotalLength >= 0 || n <= BufferSize)
        {
            var result = GC.AllocateUninitializedArray<byte>(n);
            Fill(result);
            return result;
        }
        var grown = new byte[BufferSize];
        var have = 0;
        while (have < n)
        {
            if (have == grown.Length)
            {
                Array.Resize(ref grown, (int)Math.Min(n, (long)grown.Length * 2));
            }
            var got = Fill(grown.AsSpan(have, grown.Length - have), allowShort: true);
            if (got == 0)
            {
                throw new EndOfStreamException();
            }
            have += got;
        }
        return grown;
    }

    /// <summary>
    /// Reads <paramref name="count"/> bytes as a slice of the aliased memory when there is one (no copy), else into a
    /// new array as <see cref="ReadBytes"/> does.
    /// </summary>
    public ReadOnlyMemory<byte> ReadMemory(long count)
    {
        if (alias.IsEmpty)
        {
            return ReadBytes(count);
        }
        if (count > Remaining)
        {
            throw new EndOfStreamException();
        }
        var slice = alias.Slice((int)Position, (int)count);
        Skip(count);
        return slice;
    }

    private int Fill(Span<byte> destination, bool allowShort = false)
    {
        var done = 0;
        var buffered = Math.Min(len - pos, destination.Length);
        buffer.AsSpan(pos, buffered).CopyTo(destination);
        pos += buffered;
        done += buffered;
        while (done < destination.Length)
        {
            var n = stream.Read(destination[done..]);
            if (n == 0)
            {
                if (allowShort)
                {
                    break;
                }
                throw new EndOfStreamException();
            }
            done += n;
            bufferStart += n;
        }
        return done;
    }

    public void Skip(long count)
    {
        var buffered = len - pos;
        if (count <= buffered)
        {
            pos += (int)count;
            return;
        }
        if (CanSeek)
        {
            if (count > Remaining)
            {
                throw new EndOfStreamException();
            }
            var target = Position + count;
            stream.Seek(target - (bufferStart + len), SeekOrigin.Current);
            bufferStart = target;
            pos = len = 0;
            return;
        }
        var left = count;
        while (left > 0)
        {
            if (!TryEnsure(1))
            {
                throw new EndOfStreamException();
            }
            var step = (int)Math.Min(left, len - pos);
            pos += step;
            left -= step;
        }
    }

    public void Dispose()
    {
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = [];
        }
    }
}
