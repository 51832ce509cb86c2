using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Dicom;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;

namespace RadSeal.Watermark.Tests;

/// <summary>Formats 3 and 4: the pixels name the signer's certificate by reference; the verifier resolves it or says it cannot verify.</summary>
public sealed class CertificateReferenceTests : IDisposable
{
    private readonly TestPki pki = new();
    private static readonly byte[] Identity = SHA256.HashData("1.2.826.0.1.3680043.10.77"u8);

    public void Dispose() => pki.Dispose();

    [Fact]
    public void The_record_carries_a_reference_not_the_certificate()
    {
        var image = Images.Phantom(PhantomRegion.Chest, 12, 512);
        var marked = image.Clone();
        var statistics = Watermarker.EmbedInPlace(marked.Samples, image.Width, image.Height, 1, 12, false, pki.Signer, Identity);
        // version, 16-byte identity, 32-byte full-MAC root, 8-byte reference, 64-byte P-256 signature (format 4 leaves
        // the root out only on 2×2 grids: SmallImageTests).
        Assert.True(statistics.Blocks >= 16, $"{statistics.Blocks} blocks");
        Assert.Equal(121, statistics.RecordBytes);
        Assert.True(statistics.RecordBytes < pki.Device.RawData.Length / 2, "the record must be far smaller than the certificate it replaces");
        Assert.True(statistics.LostBlocks >= 4, $"the record survives losing only {statistics.LostBlocks} blocks");
    }

    [Fact]
    public void Without_the_certificate_the_mark_is_unverifiable_never_valid()
    {
        var image = Images.Phantom(PhantomRegion.Hand, 14);
        var marked = Watermarker.Embed(image, pki.Signer, Identity);
        var report = Watermarker.Verify(marked, pki.Anchors, Identity);
        Assert.Equal((WatermarkStatus.Unverifiable, "signer-certificate-unavailable"), (report.Status, report.Reason));
        var reference = Convert.ToHexStringLower(SHA256.HashData(pki.Device.RawData).AsSpan(0, 8));
        Assert.Contains(reference, report.Detail, StringComparison.Ordinal);
        Assert.Empty(report.TamperedBlocks);
        // Another signer's certificate does not stand in for it.
        using var stranger = new TestPki("Stranger");
        Assert.Equal(WatermarkStatus.Unverifiable, Watermarker.Verify(marked, pki.Anchors, Identity, stranger.Certificates).Status);
        // From --cert, or from the trust bundle itself: valid.
        Assert.Equal(WatermarkStatus.Valid, Watermarker.Verify(marked, pki.Anchors, Identity, pki.Certificates).Status);
        X509Certificate2Collection bundle = [pki.Anchors[0], pki.Certificates[0]];
        Assert.Equal(WatermarkStatus.Valid, Watermarker.Verify(marked, bundle, Identity).Status);
        // Restore needs no certificate.
        Assert.True(Watermarker.Restore(marked).SamplesEqual(image));
    }

    [Fact]
    public void Changed_blocks_are_found_without_the_certificate_but_the_map_is_not_authenticated()
    {
        var image = Images.Phantom(PhantomRegion.Knee, 12, 320);
        var marked = Watermarker.Embed(image, pki.Signer, Identity);
        marked.Samples[160 * 320 + 160] ^= 8;
        var without = Watermarker.Verify(marked, pki.Anchors, Identity);
        var with = Watermarker.Verify(marked, pki.Anchors, Identity, pki.Certificates);
        Assert.Equal((WatermarkStatus.Tampered, "blocks-changed"), (without.Status, without.Reason));
        Assert.Equal(with.TamperedBlocks, without.TamperedBlocks);
        Assert.Single(without.TamperedBlocks);
        Assert.False(without.MapAuthenticated);
        Assert.True(with.MapAuthenticated);
    }

    [Fact]
    public void Dicom_keeps_the_certificate_in_the_header_and_a_swapped_one_is_no_help()
    {
        var options = new PhantomOptions(PhantomRegion.Spine, 320, 256, 12, 5);
        var file = RadiographPhantom.ToDicom(RadiographPhantom.Generate(options), options);
        var (marked, _) = DicomWatermark.Embed(file, pki.Signer);
        var certificateTag = new DicomTag(0x0009, 0x1005);
        Assert.Equal(WatermarkStatus.Valid, DicomWatermark.Verify(marked, pki.Anchors).Status);

        var stripped = DicomWatermark.Embed(file, pki.Signer).File;
        stripped.DataSet.Remove(certificateTag);
        Assert.Equal(WatermarkStatus.Unverifiable, DicomWatermark.Verify(stripped, pki.Anchors).Status);
        Assert.Equal(WatermarkStatus.Valid, DicomWatermark.Verify(stripped, pki.Anchors, pki.Certificates).Status);

        // Another certificate put into the header is not the one the pixels name: still unverifiable, never valid.
        using var stranger = new TestPki("Stranger");
        var raw = stranger.Device.RawData;
        var swapped = DicomWatermark.Embed(file, pki.Signer).File;
        swapped.DataSet.Set(new DicomElement(certificateTag, DicomVR.OB, raw.Length % 2 == 0 ? raw : [.. raw, 0]));
        Assert.Equal(WatermarkStatus.Unverifiable, DicomWatermark.Verify(swapped, stranger.Anchors).Status);

        // Restore removes the certificate with the rest of the private block.
        var restored = DicomWatermark.Restore(marked);
        Assert.False(restored.DataSet.Contains(certificateTag));
        Assert.False(restored.DataSet.Contains(new DicomTag(0x0009, 0x0010)));
    }

    [Fact]
    public void Format_2_marks_are_still_read_verified_and_restored()
    {
        var (marked, original, anchors) = Fixture("format2");
        // Format 2 carries its certificate in the pixels: the CA alone verifies it.
        var report = DicomWatermark.Verify(marked, anchors);
        Assert.True(report.Status == WatermarkStatus.Valid, $"{report.Status} {report.Reason} {report.Detail}");
        Assert.Equal(64, report.IdentityHash!.Length); // all 32 bytes of the identity hash
        Assert.Equal((WatermarkStatus.Tampered, "signer-untrusted"), (DicomWatermark.Verify(marked, pki.Anchors).Status, DicomWatermark.Verify(marked, pki.Anchors).Reason));
        var restored = DicomWatermark.Restore(marked);
        Assert.True(DicomPixels.Read(restored).SamplesEqual(DicomPixels.Read(original)));
        Assert.Equal(original.DataSet.GetString(DicomTags.SOPInstanceUID), restored.DataSet.GetString(DicomTags.SOPInstanceUID));
        // An edit still shows where it is.
        var image = DicomPixels.Read(marked);
        image.Samples[200 * 256 + 30] ^= 4;
        var edited = Watermarker.Verify(image, anchors, []);
        Assert.Equal((WatermarkStatus.Tampered, "blocks-changed"), (edited.Status, edited.Reason));
        Assert.Single(edited.TamperedBlocks);
        Dispose(anchors);
    }

    [Fact]
    public void Format_3_marks_are_still_read_verified_and_restored()
    {
        var (marked, original, anchors) = Fixture("format3");
        // Format 3 names its certificate by reference; the DICOM header keeps it, so the CA alone verifies it.
        var report = DicomWatermark.Verify(marked, anchors);
        Assert.True(report.Status == WatermarkStatus.Valid, $"{report.Status} {report.Reason} {report.Detail}");
        Assert.Equal((16, 64), (report.BlockCount, report.BlockSize));
        Assert.Equal(32, report.IdentityHash!.Length); // the first 16 bytes of the identity hash
        Assert.Equal((WatermarkStatus.Tampered, "signer-untrusted"), (DicomWatermark.Verify(marked, pki.Anchors).Status, DicomWatermark.Verify(marked, pki.Anchors).Reason));
        // Without the header's certificate the pixels alone are unverifiable.
        var image = DicomPixels.Read(marked);
        Assert.Equal(WatermarkStatus.Unverifiable, Watermarker.Verify(image, anchors, []).Status);
        var restored = DicomWatermark.Restore(marked);
        Assert.True(DicomPixels.Read(restored).SamplesEqual(DicomPixels.Read(original)));
        Assert.Equal(original.DataSet.GetString(DicomTags.SOPInstanceUID), restored.DataSet.GetString(DicomTags.SOPInstanceUID));
        // An edit still shows where it is.
        image.Samples[200 * 256 + 30] ^= 4;
        var edited = Watermarker.Verify(image, anchors, []);
        Assert.Equal((WatermarkStatus.Tampered, "blocks-changed"), (edited.Status, edited.Reason));
        Assert.Equal([new BlockRect(0, 0, 192, 64, 64)], edited.TamperedBlocks);
        Dispose(anchors);
    }

    /// <summary>A fixture kept in testdata/: the marked file, the original, and the CA that issued the signer (the caller disposes it).</summary>
    private static (DicomFile Marked, DicomFile Original, X509Certificate2Collection Anchors) Fixture(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "testdata", name);
        var anchors = new X509Certificate2Collection();
        anchors.ImportFromPemFile(Path.Combine(folder, "ca.pem"));
        return (DicomFile.Open(Path.Combine(folder, "marked.dcm")), DicomFile.Open(Path.Combine(folder, "original.dcm")), anchors);
    }

    private static void Dispose(X509Certificate2Collection certificates)
    {
        foreach (var c in certificates)
        {
            c.Dispose();
        }
    }
}
