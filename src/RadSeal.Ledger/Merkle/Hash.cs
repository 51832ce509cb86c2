using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RadSeal.Ledger.Merkle;

/// <summary>A SHA-256 value: a leaf hash, an interior node hash or a tree root. Immutable, compared by value.</summary>
public readonly struct Hash : IEquatable<Hash>
{
    /// <summary>The length of a hash in bytes.</summary>
    public const int Size = 32;

    private readonly HashBytes _bytes;

    private Hash(HashBytes bytes) => _bytes = bytes;

    /// <summary>Copies 32 bytes into a hash.</summary>
    /// <exception cref="ArgumentException">The span is not exactly 32 bytes long.</exception>
    public static Hash FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A hash is {Size} bytes, not {bytes.Length}.", nameof(bytes));
        }
        var b = default(HashBytes);
        bytes.CopyTo(b);
        return new Hash(b);
    }

    /// <summary>Computes SHA-256 over <paramref name="data"/> (no domain prefix: see <see cref="TreeHasher"/>).</summary>
    public static Hash Sha256(ReadOnlySpan<byte> data)
    {
        var b = default(HashBytes);
        System.Security.Cryptography.SHA256.HashData(data, b);
        return new Hash(b);
    }

    /// <summary>Parses 64 hexadecimal digits (either case).</summary>
    public static bool TryParseHex(string? text, out Hash hash)
    {
        hash = default;
        if (text is null || text.Length != Size * 2)
        {
            return false;
        }
        var b = default(HashBytes);
        if (Convert.FromHexString(text, b, out _, out var written) != System.Buffers.OperationStatus.Done || written != Size)
        {
            return false;
        }
        hash = new Hash(b);
        return true;
    }

    /// <summary>Parses the standard base64 of 32 bytes (the encoding of a checkpoint's root line).</summary>
    public static bool TryParseBase64(string? text, out Hash hash)
    {
        hash = default;
        if (text is null || text.Length != 44)
        {
            return false;
        }
        Span<byte> buffer = stackalloc byte[33];
        if (!Convert.TryFromBase64String(text, buffer, out var written) || written != Size)
        {
            return false;
        }
        // Reject non-canonical encodings (stray bits in the padding character) so one hash has one text.
        hash = FromBytes(buffer[..Size]);
        return hash.ToBase64() == text;
    }

    /// <summary>Copies the 32 bytes into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination) => ((ReadOnlySpan<byte>)_bytes).CopyTo(destination);

    /// <summary>The 32 bytes as a new array.</summary>
    public byte[] ToArray() => ((ReadOnlySpan<byte>)_bytes).ToArray();

    /// <summary>Lower-case hexadecimal.</summary>
    public string ToHex() => Convert.ToHexStringLower(_bytes);

    /// <summary>Standard base64 with padding.</summary>
    public string ToBase64() => Convert.ToBase64String(_bytes);

    /// <inheritdoc/>
    public override string ToString() => ToHex();

    /// <inheritdoc/>
    public bool Equals(Hash other) => ((ReadOnlySpan<byte>)_bytes).SequenceEqual(other._bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Hash other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BinaryPrimitives.ReadInt32LittleEndian(_bytes);

    /// <summary>Value equality.</summary>
    public static bool operator ==(Hash left, Hash right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Hash left, Hash right) => !left.Equals(right);

    [InlineArray(Size)]
    [StructLayout(LayoutKind.Sequential)]
    private struct HashBytes
    {
        private byte _first;
    }
}
