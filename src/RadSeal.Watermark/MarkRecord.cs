using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace RadSeal.Watermark;

/// <summary>
/// The part of the mark shared by all blocks (spread over them with Reed–Solomon).
/// <para>Format 3 (written today): <c>0x03 | identity (16) | full-MAC root (32) | certificate reference (8) | signature</c>
/// (121 bytes with P-256). The signer's certificate is not in the pixels: the reference is the first 8 bytes of its
/// SHA-256, and the verifier resolves it from the certificates it holds (trust bundle, <c>--cert</c>, the DICOM
/// header). The reference only finds the certificate; the signature covers the certificate's full SHA-256.</para>
/// <para>Format 2 (read only): <c>"RSW2" | identity (32) | full-MAC root (32) | certificate length (u16) | certificate | signature length (u8) | signature</c>.</para>
/// </summary>
internal sealed record MarkRecord(int Version, byte[] IdentityHash, byte[] FullRoot, byte[] CertificateReference, byte[]? Certificate, byte[] Signature)
{
    public const int Current = 3;
    public const int IdentityBytes = 16;
    public const int ReferenceBytes = 8;

    private static ReadOnlySpan<byte> MagicV2 => "RSW2"u8;

    private const int FixedV2 = 4 + 32 + 32 + 2;
    private const int FixedV3 = 1 + IdentityBytes + 32 + ReferenceBytes;

    /// <summary>A format-3 record for a signer whose certificate is <paramref name="certificate"/> (DER).</summary>
    public static MarkRecord Create(ReadOnlySpan<byte> identityHash, byte[] fullRoot, ReadOnlySpan<byte> certificate, byte[] signature) =>
        new(Current, identityHash[..IdentityBytes].ToArray(), fullRoot, Reference(certificate), null, signature);

    /// <summary>How a format-3 mark names its signer: the first 8 bytes of SHA-256(certificate DER).</summary>
    public static byte[] Reference(ReadOnlySpan<byte> certificate) => SHA256.HashData(certificate).AsSpan(0, ReferenceBytes).ToArray();

    /// <summary>The length of a format-3 record whose signature has <paramref name="signatureLength"/> bytes.</summary>
    public static int Length(int signatureLength) => FixedV3 + signatureLength;

    public byte[] Serialize()
    {
        if (Version != Current)
        {
            throw new InvalidOperationException("Only format 3 records are written.");
        }
        var output = new byte[FixedV3 + Signature.Length];
        output[0] = Current;
        IdentityHash.CopyTo(output, 1);
        FullRoot.CopyTo(output, 1 + IdentityBytes);
        CertificateReference.CopyTo(output, 1 + IdentityBytes + 32);
        Signature.CopyTo(output, FixedV3);
        return output;
    }

    public static MarkRecord? Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > FixedV3 && bytes[0] == Current)
        {
            return new MarkRecord(Current, bytes.Slice(1, IdentityBytes).ToArray(), bytes.Slice(1 + IdentityBytes, 32).ToArray(),
                bytes.Slice(1 + IdentityBytes + 32, ReferenceBytes).ToArray(), null, bytes[FixedV3..].ToArray());
        }
        if (bytes.Length < FixedV2 + 1 || !bytes[..4].SequenceEqual(MagicV2))
        {
            return null;
        }
        var certificateLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[68..]);
        if (FixedV2 + 1 + certificateLength > bytes.Length)
        {
            return null;
        }
        var signatureLength = bytes[FixedV2 + certificateLength];
        if (FixedV2 + 1 + certificateLength + signatureLength != bytes.Length)
        {
            return null;
        }
        var certificate = bytes.Slice(FixedV2, certificateLength).ToArray();
        return new MarkRecord(2, bytes.Slice(4, 32).ToArray(), bytes.Slice(36, 32).ToArray(), Reference(certificate), certificate,
            bytes.Slice(FixedV2 + 1 + certificateLength, signatureLength).ToArray());
    }

    /// <summary>
    /// What the signature covers: format, image geometry (block size included), identity, the signer's certificate
    /// (its full SHA-256), the Merkle root of the full 256-bit block MACs (what makes an image valid) and the Merkle
    /// root of the 32-bit tags the blocks carry (what lets the verifier tell whether the tamper map rests on the signed tags).
    /// </summary>
    public static byte[] SignedMessage(int version, BlockGrid grid, int bitsStored, bool isSigned, ReadOnlySpan<byte> identityHash,
        ReadOnlySpan<byte> certificate, ReadOnlySpan<byte> fullRoot, ReadOnlySpan<byte> tagRoot)
    {
        using var buffer = new MemoryStream();
        buffer.Write(version == 2 ? "RadSeal reversible watermark v2\n"u8 : "RadSeal reversible watermark v3\n"u8);
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

    /// <summary>
    /// The key of the block MACs: public (anyone who reads the mark can derive it), but it binds every block to this
    /// image and signer, so a block copied from another marked image does not match. Format 3 derives it from the
    /// certificate reference, so the block map can be checked before (and without) the certificate.
    /// </summary>
    public byte[] BlockKey(BlockGrid grid, int bitsStored)
    {
        var signer = Certificate is { } embedded ? SHA256.HashData(embedded) : CertificateReference;
        var context = Encoding.ASCII.GetBytes($"RadSeal watermark v{Version} block key {grid.Width}x{grid.Height}x{grid.Frames}/{grid.BlockSize}/{bitsStored}");
        var material = new byte[context.Length + IdentityHash.Length + signer.Length];
        context.CopyTo(material, 0);
        IdentityHash.CopyTo(material, context.Length);
        signer.CopyTo(material, context.Length + IdentityHash.Length);
        return SHA256.HashData(material);
    }
}
