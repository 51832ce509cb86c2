using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace RadSeal.Dicom;

internal static class ByteSwap
{
    /// <summary>Reverses the byte order of each <paramref name="unitSize"/>-byte number; a trailing odd part is left.</summary>
    public static void InPlace(Span<byte> bytes, int unitSize)
    {
        switch (unitSize)
        {
            case 2:
                var u16 = MemoryMarshal.Cast<byte, ushort>(bytes[..(bytes.Length & ~1)]);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                break;
            case 4:
                var u32 = MemoryMarshal.Cast<byte, uint>(bytes[..(bytes.Length & ~3)]);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                var u64 = MemoryMarshal.Cast<byte, ulong>(bytes[..(bytes.Length & ~7)]);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
            default:
                break;
        }
    }
}
