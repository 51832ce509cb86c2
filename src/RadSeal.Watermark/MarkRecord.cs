using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace RadSeal.Watermark;

/// <summary>
/// The part of the mark shared by all blocks (spread over them with Reed–Solomon): version, the hash of the image
/// identity, the signer's certificate and the ECDSA signature over <see cref="SignedMessage"/>.
/// Layout: "RSW1" | uid hash (32) | certificate length (u16) | certificate | signature length (u8) | signature.
/// </summary>
internal sealed record MarkRecord(byte[] IdentityHash, byte[] Certificate, byte[] Signature)
{
    private static ReadOnlySpan<byte> Magic => "RSW1"u8;

    public byte[] Serialize()
    {
        var output = new byte[4 + 32 + 2 + Certificate.Length + 1 + Signature.Length];
        Magic.CopyTo(output);
        IdentityHash.CopyTo(output, 4);
        BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(36), (ushort)Certificate.Length);
        Certificate.CopyTo(output, 38);
        output[38 + Certificate.Length] = (byte)Signature.Length;
        Signature.CopyTo(output, 39 + Certificate.Length);
        return output;
    }

    public static MarkRecord? Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 39 || !bytes[..4].SequenceEqual(Magic))
        {
            return null;
        }
        var certificateLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[36..]);
        if (39 + certificateLength > bytes.Length)
        {
            return null;
        }
        var signatureLength = bytes[38 + certificateLength];
        if (39 + certificateLength + signatureLength != bytes.Length)
        {
            return null;
        }
        return new MarkRecord(bytes.Slice(4, 32).ToArray(), bytes.Slice(38, certificateLength).ToArray(),
            bytes.Slice(39 + certificateLength, signatureLength).ToArray());
    }

    /// <summary>What the signature covers: format, image geometry, identity, signer and the Merkle root of the block MACs.</summary>
    public static byte[] SignedMessage(BlockGrid grid, int bitsStored, bool isSigned, ReadOnlySpan<byte> identityHash,
        ReadOnlySpan<byte> certificate, ReadOnlySpan<byte> root)
    {
        using var buffer = new MemoryStream();
        buffer.Write("RadSeal reversible watermark v1\n"u8);
        Span<byte> word = stackalloc byte[4];
        foreach (var value in new[] { grid.Width, grid.Height, grid.Frames, grid.BlockSize, bitsStored, isSigned ? 1 : 0 })
        {
            BinaryPrimitives.WriteInt32BigEndian(word, value);
            buffer.Write(word);
        }
        buffer.Write(identityHash);
        buffer.Write(SHA256.HashData(certificate));
        buffer.Write(root);
        return buffer.ToArray();
    }

    /// <summary>The key of the block MACs: public (anyone who reads the mark can derive it), but it binds every block to this image and signer, so a block copied from another marked image does not match.</summary>
    public static byte[] BlockKey(BlockGrid grid, int bitsStored, ReadOnlySpan<byte> identityHash, ReadOnlySpan<byte> certificate)
    {
        var context = Encoding.ASCII.GetBytes($"RadSeal watermark v1 block key {grid.Width}x{grid.Height}x{grid.Frames}/{grid.BlockSize}/{bitsStored}");
        var material = new byte[context.Length + 64];
        context.CopyTo(material, 0);
        identityHash.CopyTo(material.AsSpan(context.Length));
        SHA256.HashData(certificate).CopyTo(material, context.Length + 32);
        return SHA256.HashData(material);
    }
}
