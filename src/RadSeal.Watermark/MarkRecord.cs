using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace RadSeal.Watermark;

/// <summary>
/// The part of the mark shared by all blocks (spread over them with Reed–Solomon).
/// <para>Format 4 (written today): <c>0x04 | identity (16) | full-MAC root (32) | certificate reference (8) | signature</c>
/// (121 bytes with P-256), or on the coarse grids of small images (<see cref="OmitsFullRoot"/>) <c>0x84 | identity (16) |
/// certificate reference (8) | signature</c> (89 bytes): there the full-MAC root is not carried but recomputed from the
/// restored pixels, and the signature, which covers it either way, is checked over the recomputed value.</para>
/// <para>Format 3 (read only): <c>0x03 | identity (16) | full-MAC root (32) | certificate reference (8) | signature</c>.
/// Formats 3 and 4 name the signer's certificate by reference (the first 8 bytes of its SHA-256); the verifier
/// resolves it from the certificates it holds (trust bundle, <c>--cert</c>, the DICOM header). The reference only
/// finds the certificate; the signature covers the certificate's full SHA-256.</para>
/// <para>Format 2 (read only): <c>"RSW2" | identity (32) | full-MAC root (32) | certificate length (u16) | certificate | signature length (u8) | signature</c>.</para>
/// </summary>
/// <param name="FullRoot">The signed Merkle root of the full block MACs; null when the record does not carry it (format 4 on a coarse grid).</param>
internal sealed record MarkRecord(int Version, byte[] IdentityHash, byte[]? FullRoot, byte[] CertificateReference, byte[]? Certificate, byte[] Signature)
{
    public const int Current = 4;
    public const int IdentityBytes = 16;
    public const int ReferenceBytes = 8;
    public const int RootBytes = 32;

    /// <summary>The first byte of a format-4 record that leaves the full-MAC root out.</summary>
    private const byte CompactV4 = 0x80 | 4;

    private static ReadOnlySpan<byte> MagicV2 => "RSW2"u8;

    private const int FixedV2 = 4 + 32 + 32 + 2;
    private const int FixedV3 = 1 + IdentityBytes + RootBytes + ReferenceBytes;
    private const int FixedCompact = 1 + IdentityBytes + ReferenceBytes;

    /// <summary>
    /// Whether a format-4 mark on <paramref name="grid"/> leaves the full-MAC root out of the record: on grids with at
    /// most two blocks across the shorter side (the 2×2 grid of a small export), where the record is most of the mark.
    /// What that costs: with blocks changed, the map cannot be authenticated (the signature needs the root, which the
    /// changed blocks no longer give), and restore, which needs no certificate, checks the 32-bit tags but not the root.
    /// </summary>
    public static bool OmitsFullRoot(BlockGrid grid) => Math.Min(grid.Columns, grid.Rows) <= 2;

    /// <summary>A format-4 record for a signer whose certificate is <paramref name="certificate"/> (DER); <paramref name="fullRoot"/> null leaves the root out.</summary>
    public static MarkRecord Create(ReadOnlySpan<byte> identityHash, byte[]? fullRoot, ReadOnlySpan<byte> certificate, byte[] signature) =>
        new(Current, identityHash[..IdentityBytes].ToArray(), fullRoot, Reference(certificate), null, signature);

    /// <summary>How format-3 and -4 marks name their signer: the first 8 bytes of SHA-256(certificate DER).</summary>
    public static byte[] Reference(ReadOnlySpan<byte> certificate) => SHA256.HashData(certificate).AsSpan(0, ReferenceBytes).ToArray();

    /// <summary>The length of a format-4 record whose signature has <paramref name="signatureLength"/> bytes, on <paramref name="grid"/>.</summary>
    public static int Length(int signatureLength, BlockGrid grid) => (OmitsFullRoot(grid) ? FixedCompact : FixedV3) + signatureLength;

    public byte[] Serialize()
    {
        if (Version != Current)
        {
            throw new InvalidOperationException("Only format 4 records are written.");
        }
        var fixedLength = FullRoot is null ? FixedCompact : FixedV3;
        var output = new byte[fixedLength + Signature.Length];
        output[0] = FullRoot is null ? CompactV4 : (byte)Current;
        IdentityHash.CopyTo(output, 1);
        FullRoot?.CopyTo(output, 1 + IdentityBytes);
        CertificateReference.CopyTo(output, fixedLength - ReferenceBytes);
        Signature.CopyTo(output, fixedLength);
        return output;
    }

    public static MarkRecord? Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > FixedV3 && bytes[0] is 3 or 4)
        {
            return new MarkRecord(bytes[0], bytes.Slice(1, IdentityBytes).ToArray(), bytes.Slice(1 + IdentityBytes, RootBytes).ToArray(),
                bytes.Slice(1 + IdentityBytes + RootBytes, ReferenceBytes).ToArray(), null, bytes[FixedV3..].ToArray());
        }
        if (bytes.Length > FixedCompact && bytes[0] == CompactV4)
        {
            return new MarkRecord(Current, bytes.Slice(1, IdentityBytes).ToArray(), null, bytes.Slice(1 + IdentityBytes, ReferenceBytes).ToArray(), null,
                bytes[FixedCompact..].ToArray());
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
        buffer.Write(Encoding.ASCII.GetBytes($"RadSeal reversible watermark v{version}\n"));
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
    /// image and signer, so a block copied from another marked image does not match. Formats 3 and 4 derive it from the
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
