using System.Security.Cryptography;

namespace RadSeal.Ledger.Merkle;

/// <summary>
/// RFC 9162 §2.1.1 hashing: SHA-256 with a one-byte domain prefix, 0x00 for a leaf and 0x01 for an interior node,
/// so that a leaf can never be passed off as a node (second-preimage resistance of the tree).
/// </summary>
public static class TreeHasher
{
    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    /// <summary>MTH({}) = SHA-256 of the empty string: the root of the empty tree.</summary>
    public static Hash EmptyRoot { get; } = Hash.Sha256([]);

    /// <summary>MTH({d}) = SHA-256(0x00 || d): the hash of one entry.</summary>
    public static Hash HashLeaf(ReadOnlySpan<byte> entry)
    {
        if (entry.Length <= 1024)
        {
            Span<byte> buffer = stackalloc byte[entry.Length + 1];
            buffer[0] = LeafPrefix;
            entry.CopyTo(buffer[1..]);
            return Hash.Sha256(buffer);
        }
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData([LeafPrefix]);
        sha.AppendData(entry);
        Span<byte> digest = stackalloc byte[Hash.Size];
        sha.GetHashAndReset(digest);
        return Hash.FromBytes(digest);
    }

    /// <summary>SHA-256(0x01 || left || right): the hash of an interior node.</summary>
    public static Hash HashChildren(in Hash left, in Hash right)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * Hash.Size];
        buffer[0] = NodePrefix;
        left.CopyTo(buffer.Slice(1, Hash.Size));
        right.CopyTo(buffer.Slice(1 + Hash.Size, Hash.Size));
        return Hash.Sha256(buffer);
    }
}
