using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace RadSeal.Dicom;

/// <summary>
/// A file read through a read-only memory mapping: the parsed values are views of the page cache, so checking a large
/// image neither copies it into the process nor allocates a buffer the size of its pixel data. The file must not be
/// truncated by anyone while mapped (a read past its new end faults the process); the gateway's spool, whose files only
/// the gateway touches, is the use it was made for. Dispose to unmap; the <see cref="File"/> is unusable after.
/// </summary>
public sealed class DicomFileMapping : IDisposable
{
    private readonly MemoryMappedFile? map;
    private readonly MemoryMappedViewAccessor? view;
    private readonly MappedMemory? memory;

    private DicomFileMapping(MemoryMappedFile? map, MemoryMappedViewAccessor? view, MappedMemory? memory, DicomFile file)
    {
        this.map = map;
        this.view = view;
        this.memory = memory;
        File = file;
    }

    public DicomFile File { get; }

    /// <summary>
    /// Maps and parses <paramref name="path"/>. An empty file (which cannot be mapped) and one too large for one span
    /// (2 GiB and up) are read with <see cref="DicomFile.Open"/> instead.
    /// </summary>
    public static DicomFileMapping Open(string path, ReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var handle = System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(handle);
        if (length == 0 || length > int.MaxValue)
        {
            return new DicomFileMapping(null, null, null, DicomFile.Open(path, options));
        }
        var map = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        MemoryMappedViewAccessor? view = null;
        MappedMemory? memory = null;
        try
        {
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            memory = new MappedMemory(view, (int)length);
            return new DicomFileMapping(map, view, memory, DicomFile.Read(memory.Memory, options));
        }
        catch
        {
            ((IDisposable?)memory)?.Dispose();
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        ((IDisposable?)memory)?.Dispose();
        view?.Dispose();
        map?.Dispose();
    }

    /// <summary>The mapped view as <see cref="Memory{T}"/>: the pointer is acquired once and released on dispose.</summary>
    private sealed unsafe class MappedMemory : MemoryManager<byte>
    {
        private readonly MemoryMappedViewAccessor view;
        private readonly byte* pointer;
        private readonly int length;
        private bool released;

        public MappedMemory(MemoryMappedViewAccessor view, int length)
        {
            this.view = view;
            this.length = length;
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            pointer = p + view.PointerOffset;
        }

        public override Span<byte> GetSpan()
        {
            // A value used after the mapping ends fails here instead of reading unmapped memory.
            ObjectDisposedException.ThrowIf(released, typeof(DicomFileMapping));
            return new Span<byte>(pointer, length);
        }

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            ObjectDisposedException.ThrowIf(released, typeof(DicomFileMapping));
            return (uint)elementIndex <= (uint)length ? new MemoryHandle(pointer + elementIndex) : throw new ArgumentOutOfRangeException(nameof(elementIndex));
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
            if (!released)
            {
                released = true;
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        }
    }
}
