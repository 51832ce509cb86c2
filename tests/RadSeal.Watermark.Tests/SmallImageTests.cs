using System.Security.Cryptography;
using RadSeal.Imaging;
using Xunit.Abstractions;

namespace RadSeal.Watermark.Tests;

/// <summary>
/// Format 4 on small exports (the shared 224² 8-bit chest radiographs): the 2×2 grid, a record without the full-MAC
/// root, and a record stream that survives losing any one of the four blocks.
/// </summary>
public sealed class SmallImageTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestPki pki = new();
    private static readonly byte[] Identity = SHA256.HashData("1.2.826.0.1.3680043.10.224"u8);

    public void Dispose() => pki.Dispose();

    /// <summary>A few of the shared images: spread over the set, and the most saturated of the sample.</summary>
    private static IEnumerable<(string Path, GrayImage Image)> Exports()
    {
        var sample = Images.KermanySample(6);
        return sample.Take(3).Concat(sample.Skip(6).Take(1)).Select(p => (p, ImageFiles.Load(p)));
    }

    [Theory]
    [InlineData(224, 224, new[] { 56, 112 })]
    [InlineData(256, 256, new[] { 64, 128 })]
    [InlineData(1024, 1024, new[] { 64, 128, 192, 256, 320, 512 })]
    [InlineData(3000, 3000, new[] { 64, 128, 192, 256, 384, 512, 768, 992 })]
    public void The_2x2_grid_is_offered_up_to_16_times_the_base_size(int width, int height, int[] sizes) =>
        Assert.Equal(sizes, BlockGrid.Sizes(width, height));

    [Theory]
    [InlineData(4, 1)]
    [InlineData(6, 2)]
    [InlineData(9, 3)]
    [InlineData(15, 4)]
    [InlineData(16, 4)]
    [InlineData(25, 6)]
    [InlineData(121, 30)]
    [InlineData(2116, 32)]
    public void The_record_is_planned_to_survive_losing_a_quarter_of_the_blocks(int blocks, int lost) =>
        Assert.Equal(lost, MarkPlanner.LostBlocks(blocks));

    [Fact]
    public void A_224_export_is_marked_on_the_2x2_grid_at_plus_minus_1_within_the_budget()
    {
        foreach (var (path, image) in Exports())
        {
            var marked = image.Clone();
            var s = Watermarker.EmbedInPlace(marked.Samples, 224, 224, 1, 8, false, pki.Signer, Identity);
            var share = (double)s.PixelsChanged / image.Samples.Length;
            output.WriteLine($"{Path.GetFileName(path)}: {s.Blocks} blocks of {s.BlockSize}, {s.PayloadBits} bits, {share:P2} changed, survives losing {s.LostBlocks}");
            Assert.Equal((4, 112), (s.Blocks, s.BlockSize));
            // version, 16-byte identity, 8-byte reference, 64-byte P-256 signature: no full-MAC root on this grid.
            Assert.Equal(89, s.RecordBytes);
            Assert.True(s.LostBlocks >= 1, $"{path}: the record survives losing {s.LostBlocks} blocks");
            Assert.Equal(1, s.LargestChange);
            Assert.True(share <= 0.04, $"{path}: {share:P2} of pixels changed");
            var report = Watermarker.Verify(marked, pki.Anchors, Identity, pki.Certificates);
            Assert.True(report.Status == WatermarkStatus.Valid, $"{path}: {report.Status} {report.Reason} {report.Detail}");
            Assert.True(report.MapAuthenticated);
            Assert.True(Watermarker.Restore(marked).SamplesEqual(image));
        }
    }

    [Fact]
    public void On_the_2x2_grid_the_record_survives_losing_any_one_block_and_the_loss_is_localised()
    {
        var (path, image) = Exports().First();
        var marked = Watermarker.Embed(image, pki.Signer, Identity);
        var grid = BlockGrid.For(224, 224, 1, 112);
        foreach (var lost in grid.Blocks)
        {
            // Erase the block: its mark (header, tag and record share) is gone.
            var edited = marked.Clone();
            for (var y = lost.Y; y < lost.Y + lost.Height; y++)
            {
                edited.Samples.Slice(y * 224 + lost.X, lost.Width).Clear();
            }
            foreach (var certificates in new[] { pki.Certificates, null })
            {
                var report = Watermarker.Verify(edited, pki.Anchors, Identity, certificates);
                Assert.True((report.Status, report.Reason) == (WatermarkStatus.Tampered, "blocks-changed"),
                    $"{path}, block {lost.Index} lost: {report.Status} {report.Reason} {report.Detail}");
                Assert.Equal([new BlockRect(0, lost.X, lost.Y, lost.Width, lost.Height)], report.TamperedBlocks);
            }
            Assert.Throws<WatermarkException>(() => Watermarker.Restore(edited));
        }
    }

    /// <summary>
    /// Random edits (as in <see cref="TamperTests"/>: one LSB, a brightened region, copy-move, erase, faint noise) on a
    /// marked 224² export: an edit within one block flags exactly that block; an edit across blocks is tampered and
    /// flags exactly the blocks it touched, or, when it destroys two of the four blocks' marks (the record survives
    /// losing one), is mark-unrecoverable and lists the unreadable blocks, all touched; an edit that destroys three
    /// leaves the image absent (too little mark to tell from none). RADSEAL_TAMPER_EDITS sets the count (default 150).
    /// </summary>
    [Fact]
    public void Edits_on_the_2x2_grid_flag_exactly_the_block_they_touch()
    {
        var (_, image) = Exports().First();
        var marked = Watermarker.Embed(image, pki.Signer, Identity);
        var grid = BlockGrid.For(224, 224, 1, Watermarker.Verify(marked, pki.Anchors, Identity, pki.Certificates).BlockSize);
        Assert.Equal(4, grid.Blocks.Count);
        var random = new Random(224);
        int single = 0, across = 0, unrecoverable = 0, absent = 0, falseFlags = 0;
        while (single + across < Edits.Count)
        {
            var edited = Edits.Random(marked, random, 60);
            var touched = Edits.Touched(grid, marked, edited);
            if (touched.Count == 0)
            {
                continue;
            }
            var report = Watermarker.Verify(edited, pki.Anchors, Identity, pki.Certificates);
            if (report.Status == WatermarkStatus.Absent)
            {
                // Fewer than two of the four blocks still carry a readable mark: what is left cannot be told from an
                // unmarked image (never valid; a DICOM header that records the mark makes it mark-removed).
                Assert.True(touched.Count >= 3, $"an edit touching {touched.Count} blocks left the image absent");
                across++;
                absent++;
                continue;
            }
            Assert.Equal(WatermarkStatus.Tampered, report.Status);
            var flagged = report.TamperedBlocks.Select(b => (b.X, b.Y)).ToHashSet();
            falseFlags += flagged.Except(touched).Count();
            if (touched.Count == 1)
            {
                single++;
                Assert.Equal("blocks-changed", report.Reason);
                Assert.Equal(touched, flagged);
            }
            else
            {
                across++;
                if (report.Reason == "mark-unrecoverable")
                {
                    unrecoverable++; // flagged: the unreadable blocks, all touched (counted above)
                }
                else
                {
                    Assert.Equal("blocks-changed", report.Reason);
                    Assert.Equal(touched, flagged);
                }
            }
        }
        output.WriteLine($"{single} edits within one block, {across} across blocks ({unrecoverable} mark-unrecoverable, {absent} absent): {falseFlags} false flags");
        Assert.Equal(0, falseFlags);
    }

    [Fact]
    public void A_block_changed_on_the_2x2_grid_is_found_but_the_map_is_not_authenticated()
    {
        var (_, image) = Exports().First();
        var marked = Watermarker.Embed(image, pki.Signer, Identity);
        var edited = marked.Clone();
        edited.Samples[150 * 224 + 40] ^= 16;
        var report = Watermarker.Verify(edited, pki.Anchors, Identity, pki.Certificates);
        Assert.Equal((WatermarkStatus.Tampered, "blocks-changed"), (report.Status, report.Reason));
        Assert.Equal([new BlockRect(0, 0, 112, 112, 112)], report.TamperedBlocks);
        // The signature covers the full-MAC root, which this record leaves out and the changed block no longer gives.
        Assert.False(report.MapAuthenticated);
    }

    /// <summary>
    /// The record leaves the full-MAC root out, but the signature still covers it: a signature over another root (every
    /// tag in the pixels matching) is signature-invalid, never valid — on the 2×2 grid and on a grid whose record carries the root.
    /// </summary>
    [Fact]
    public void The_signature_covers_the_full_MAC_root_the_record_leaves_out()
    {
        var (_, image) = Exports().First();
        var phantom = Images.Phantom(RadSeal.Imaging.Phantom.PhantomRegion.Hand, 12, 512);
        foreach (var picture in new[] { image, phantom })
        {
            var honest = Watermarker.Embed(picture, new RootTamperingSigner(pki.Signer, tamper: false), Identity);
            Assert.Equal(WatermarkStatus.Valid, Watermarker.Verify(honest, pki.Anchors, Identity, pki.Certificates).Status);
            var forged = Watermarker.Embed(picture, new RootTamperingSigner(pki.Signer, tamper: true), Identity);
            var report = Watermarker.Verify(forged, pki.Anchors, Identity, pki.Certificates);
            Assert.Equal((WatermarkStatus.Tampered, "signature-invalid"), (report.Status, report.Reason));
            Assert.Empty(report.TamperedBlocks);
        }
    }

    /// <summary>
    /// Unmarked images stay absent on the grids format 4 added (2×2 on 224²): every fifth of the shared radiographs,
    /// saturated versions of a tenth of those (contrast stretched: (v − 96) × 3, clipped to 0..255), and flat and binary images.
    /// </summary>
    [Fact]
    public void Unmarked_small_exports_and_saturated_images_are_absent()
    {
        var all = Images.Kermany();
        var checkedCount = 0;
        for (var i = 0; i < all.Count; i += 5)
        {
            var image = ImageFiles.Load(all[i]);
            AssertAbsent(all[i], image);
            if (i % 50 == 0)
            {
                var stretched = image.Clone();
                for (var k = 0; k < stretched.Samples.Length; k++)
                {
                    stretched.Samples[k] = (ushort)Math.Clamp((stretched.Samples[k] - 96) * 3, 0, 255);
                }
                AssertAbsent($"{all[i]} stretched", stretched);
                checkedCount++;
            }
            checkedCount++;
        }
        foreach (var value in new ushort[] { 0, 1, 128, 254, 255 })
        {
            AssertAbsent($"flat {value}", new GrayImage(224, 224, 8, samples: Enumerable.Repeat(value, 224 * 224).ToArray()));
        }
        var binary = new GrayImage(224, 224, 8, samples: Enumerable.Range(0, 224 * 224).Select(k => (ushort)((k / 224 + k % 224) % 7 < 3 ? 0 : 255)).ToArray());
        AssertAbsent("binary", binary);
        output.WriteLine($"{checkedCount + 6} unmarked images, all absent");
    }

    private void AssertAbsent(string name, GrayImage image)
    {
        var report = Watermarker.Verify(image, pki.Anchors, Identity, pki.Certificates);
        Assert.True(report.Status == WatermarkStatus.Absent, $"{name}: {report.Status} {report.Reason}");
    }

    /// <summary>Signs what the embedder asks, or that message with one byte of its full-MAC root changed.</summary>
    private sealed class RootTamperingSigner(IWatermarkSigner inner, bool tamper) : IWatermarkSigner
    {
        public ReadOnlyMemory<byte> Certificate => inner.Certificate;

        public byte[] Sign(ReadOnlySpan<byte> message)
        {
            var copy = message.ToArray();
            if (tamper)
            {
                // The message ends with the full-MAC root and the tag root, 32 bytes each.
                copy[^64] ^= 1;
            }
            return inner.Sign(copy);
        }
    }
}
