using System.Security.Cryptography;

namespace RadSeal.Watermark;

/// <summary>The Merkle tree hash of RFC 6962 §2.1 (leaf prefix 0x00, node prefix 0x01, split at the largest power of two) over the block MACs.</summary>
internal static class Merkle
{
    public static byte[] Root(IReadOnlyList<byte[]> leaves)
    {
        ArgumentOutOfRangeException.ThrowIfZero(leaves.Count);
        var level = new byte[leaves.Count][];
        for (var i = 0; i < leaves.Count; i++)
        {
            level[i] = Hash(0x00, leaves[i], []);
        }
        return Subtree(level, 0, level.Length);
    }

    private static byte[] Subtree(byte[][] hashes, int start, int count)
    {
        if (count == 1)
        {
            return hashes[start];
        }
        var split = 1;
        while (split * 2 < count)
        {
            split *= 2;
        }
        return Hash(0x01, Subtree(hashes, start, split), Subtree(hashes, start + split, count - split));
    }

    private static byte[] Hash(byte prefix, ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var buffer = new byte[1 + left.Length + right.Length];
        buffer[0] = prefix;
        left.CopyTo(buffer.AsSpan(1));
        right.CopyTo(buffer.AsSpan(1 + left.Length));
        return SHA256.HashData(buffer);
    }
}
