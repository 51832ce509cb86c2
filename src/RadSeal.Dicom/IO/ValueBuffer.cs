namespace RadSeal.Dicom;

/// <summary>
/// The bytes of one value, as they were encoded. Either held in memory or left in the source file and read on
/// demand, so listing the header of a 50 MB image costs kilobytes. Immutable.
/// </summary>
public abstract class ValueBuffer
{
    public abstract long Length { get; }

    /// <summary>True when the bytes still sit in the source file and each access reads them.</summary>
    public abstract bool IsDeferred { get; }

    /// <summary>The bytes. For a deferred value this reads the file and allocates exactly <see cref="Length"/> bytes.</summary>
    public abstract ReadOnlyMemory<byte> GetMemory();

    /// <summary>Copies the bytes to <paramref name="destination"/> without holding them all in memory.</summary>
    public abstract void CopyTo(Stream destination, CancellationToken cancellationToken = default);

    public static ValueBuffer Empty { get; } = new MemoryValueBuffer(ReadOnlyMemory<byte>.Empty);

    public static ValueBuffer From(ReadOnlyMemory<byte> bytes) => bytes.IsEmpty ? Empty : new MemoryValueBuffer(bytes);
}

internal sealed class MemoryValueBuffer(ReadOnlyMemory<byte> bytes) : ValueBuffer
{
    public override long Length => bytes.Length;
    public override bool IsDeferred => false;
    public override ReadOnlyMemory<byte> GetMemory() => bytes;

    public override void CopyTo(Stream destination, CancellationToken cancellationToken = default) => destination.Write(bytes.Span);
}

/// <summary>
/// A value left in its file. The file is reopened by path for each read rather than held open, so a
/// <see cref="DicomFile"/> never keeps a handle alive (fo-dicom #617); a changed file is detected by its length and
/// write time and refused rather than silently read wrong.
/// </summary>
internal sealed class FileValueBuffer : ValueBuffer
{
    private readonly FileOrigin origin;
    private readonly long offset;
    private readonly long length;

    public FileValueBuffer(FileOrigin origin, long offset, long length)
    {
        this.origin = origin;
        this.offset = offset;
        this.length = length;
    }

    public override long Length => length;
    public override bool IsDeferred => true;

    public override ReadOnlyMemory<byte> GetMemory()
    {
        if (length > Array.MaxLength)
        {
            throw new InvalidOperationException($"A value of {length} bytes is too large to hold in memory; use CopyTo.");
        }
        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        using var handle = origin.Open();
        var done = 0;
        while (done < bytes.Length)
        {
            var n = RandomAccess.Read(handle, bytes.AsSpan(done), offset + done);
            if (n == 0)
            {
                throw new DicomFormatException($"File '{origin.Path}' ended while reading a deferred value", offset + done);
            }
            done += n;
        }
        return bytes;
    }

    public override void CopyTo(Stream destination, CancellationToken cancellationToken = default)
    {
        using var handle = origin.Open();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            long done = 0;
            while (done < length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var want = (int)Math.Min(buffer.Length, length - done);
                var n = RandomAccess.Read(handle, buffer.AsSpan(0, want), offset + done);
                if (n == 0)
                {
                    throw new DicomFormatException($"File '{origin.Path}' ended while copying a deferred value", offset + done);
                }
                destination.Write(buffer, 0, n);
                done += n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>The file a deferred value came from, with what it looked like when it was parsed.</summary>
internal sealed class FileOrigin(string path, long length, DateTime lastWriteUtc)
{
    public string Path { get; } = path;

    public Microsoft.Win32.SafeHandles.SafeFileHandle Open()
    {
        var handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (RandomAccess.GetLength(handle) != length || File.GetLastWriteTimeUtc(Path) != lastWriteUtc)
        {
            handle.Dispose();
            throw new IOException($"'{Path}' changed on disk after it was read; open it again before reading its pixel data.");
        }
        return handle;
    }
}
