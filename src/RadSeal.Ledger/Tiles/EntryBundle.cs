using System.Buffers.Binary;

namespace RadSeal.Ledger.Tiles;

/// <summary>C2SP tlog-tiles entry bundles: each entry as a big-endian uint16 length followed by its bytes.</summary>
public static class EntryBundle
{
    /// <summary>The largest entry a bundle can carry.</summary>
    public const int MaxEntrySize = ushort.MaxValue;

    /// <summary>Writes the entries as one bundle.</summary>
    public static byte[] Encode(IEnumerable<ReadOnlyMemory<byte>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[2];
        foreach (var entry in entries)
        {
            if (entry.Length > MaxEntrySize)
            {
                throw new ArgumentException($"An entry of {entry.Length} bytes does not fit a bundle (at most {MaxEntrySize}).", nameof(entries));
            }
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)entry.Length);
            buffer.Write(length);
            buffer.Write(entry.Span);
        }
        return buffer.ToArray();
    }

    /// <summary>Reads a bundle back into its entries.</summary>
    /// <exception cref="LedgerFormatException">A length runs past the end of the bundle.</exception>
    public static List<byte[]> Decode(ReadOnlySpan<byte> bundle)
    {
        var entries = new List<byte[]>();
        var offset = 0;
        while (offset < bundle.Length)
        {
            if (bundle.Length - offset < 2)
            {
                throw new LedgerFormatException($"Entry bundle ends inside a length prefix at offset {offset}.");
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(bundle[offset..]);
            offset += 2;
            if (bundle.Length - offset < length)
            {
                throw new LedgerFormatException($"Entry {entries.Count} at offset {offset - 2} claims {length} bytes; {bundle.Length - offset} remain.");
            }
            entries.Add(bundle.Slice(offset, length).ToArray());
            offset += length;
        }
        return entries;
    }
}
