namespace RadSeal.Dicom;

/// <summary>A read-only stream of some bytes already in hand followed by the rest of another stream.</summary>
internal sealed class ConcatStream(byte[] head, Stream tail) : ForwardReadStream
{
    private int headPos;

    public override int Read(Span<byte> buffer)
    {
        if (headPos < head.Length)
        {
            var n = Math.Min(buffer.Length, head.Length - headPos);
            head.AsSpan(headPos, n).CopyTo(buffer);
            headPos += n;
            return n;
        }
        return tail.Read(buffer);
    }
}

/// <summary>Fails once more than a set number of bytes have been read: bounds what a deflate bomb can inflate to.</summary>
internal sealed class BoundedReadStream(Stream inner, long limit) : ForwardReadStream
{
    private long total;

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        total += n;
        if (total > limit)
        {
            throw new DicomFormatException(
                $"The deflated data set inflates to more than {limit} bytes (ReadOptions.MaxBytesInMemory)", total);
        }
        return n;
    }
}

/// <summary>A read-only, forward-only stream: subclasses implement <see cref="Stream.Read(Span{byte})"/> only.</summary>
internal abstract class ForwardReadStream : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
