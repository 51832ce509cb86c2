using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace RadSeal.Watermark;

/// <summary>
/// The part of the mark shared by all blocks (spread over them with Reed–Solomon): version, the hash of the image
/// identity, the Merkle root of the full block MACs, the signer's certificate and the ECDSA signature over
/// <see cref="SignedMessage"/>.
/// Layout: "RSW2" | uid hash (32) | full-MAC root (32) | certificate length (u16) | certificate | signature length (u8) | signature.
/// </summary>
internal sealed record MarkRecord(byte[] IdentityHash, byte[] FullRoot, byte[] Certificate, byte[] Signature)
{
    private static ReadOnlySpan<byte> Magic => "RSW2"u8;

    private const int Fixed = 4 + 32 + 32 + 2;

    public byte[] Serialize()
    {
        var output = new byte[Fixed + Certificate.Length + 1 + Signature.Length];
        Magic.CopyTo(output);
        IdentityHash.CopyTo(output, 4);
        FullRoot.CopyTo(output, 36);
        BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(68), (ushort)Certificate.Length);
        Certificate.CopyTo(output, Fixed);
        output[Fixed + Certificate.Length] = (byte)Signature.Length;
        Signature.CopyTo(output, Fixed + 1 + Certificate.Length);
        return output;
    }

    public static MarkRecord? Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Fixed + 1 || !bytes[..4].SequenceEqual(Magic))
        {
            return null;
        }
        var certificateLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[68..]);
        if (Fixed + 1 + certificateLength > bytes.Length)
        {
            return null;
        }
        var signatureLength = bytes[Fixed + certificateLength];
        if (Fixed + 1 + certificateLength + signatureLength != bytes.Length)
        {
            return null;
        }
        return new MarkRecord(bytes.Slice(4, 32).ToArray(), bytes.Slice(36, 32).ToArray(), bytes.Slice(Fixed, certificateLength).ToArray(),
            bytes.Slice(Fixed + 1 + certificateLength, signatureLength).ToArray());
    }

    /// <summary>
    /// What the signature covers: format, image geometry (block size included), identity, signer, the Merkle root of the
    /// full 256-bit block MACs (what makes an image valid) and the Merkle root of the 32-bit tags the blocks carry (what
    /// lets the verifier tell whether the tamper map rests on the signed tags).
    /// </summary>
    public static byte[] SignedMessage(BlockGrid grid, int bitsStored, bool isSigned, ReadOnlySpan<byte> identityHash,
        ReadOnlySpan<byte> certificate, ReadOnlySpan<byte> fullRoot, ReadOnlySpan<byte> tagRoot)
    {
        using var buffer = new MemoryStream();
        buffer.Write("RadSeal reversible watermark v2\n"u8);
        Span<byte> word = stackalloc byte[4];
        foreach (var value in new[] { grid.Width, grid.Height, grid.Frames, grid.BlockSize, bitsStored, isSigned ? 1 : 0 })
        {
            BinaryPrimitives.WriteInt32BigEndian(word, value);
            buffer.Write(word);
        }
        buffer.Write(identityHash);
        buffer.Write(SHA256.HashData(certificate));
        buffer.Write(fullRoot);
        buffer.Write(tagRoot);
        return buffer.ToArray();
    }

    /// <summary>The key of the block MACs: public (anyone who reads the mark can derive it), but it binds every block to this image and signer, so a block copied from another marked image does not match.</summary>
    public static byte[] BlockKey(BlockGrid grid, int bitsStored, ReadOnlySpan<byte> identityHash, ReadOnlySpan<byte> certificate)
    {
        var context = Encoding.ASCII.GetBytes($"RadSeal watermark v2 block key {grid.Width}x{grid.Height}x{grid.Frames}/{grid.BlockSize}/{bitsStored}");
        var material = new byte[context.Length + 64];
        context.CopyTo(material, 0);
        identityHash.CopyTo(material.AsSpan(context.Length));
        SHA256.HashData(certificate).CopyTo(material, context.Length + 32);
        return SHA256.HashData(material);
    }
}
