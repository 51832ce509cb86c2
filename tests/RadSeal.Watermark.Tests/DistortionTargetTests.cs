using System.Security.Cryptography;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;
using Xunit.Abstractions;

namespace RadSeal.Watermark.Tests;

/// <summary>
/// The distortion and localisation the deployed mark (format 4) reaches, pinned as properties (never timing): they fail
/// when a change makes the mark coarser or more visible. docs/watermark.md and docs/performance.md give the figures.
/// </summary>
public sealed class DistortionTargetTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestPki pki = new();
    private static readonly byte[] Identity = SHA256.HashData("1.2.826.0.1.3680043.10.99"u8);

    public void Dispose() => pki.Dispose();

    private EmbedStatistics Mark(GrayImage image) =>
        Watermarker.EmbedInPlace(image.Clone().Samples, image.Width, image.Height, 1, image.BitsStored, false, pki.Signer, Identity);

    /// <summary>
    /// 20 of the shared 224² 8-bit chest radiographs: every change ±1 and at most 3 % of pixels changed on average (the
    /// issue's target), 4 % at most on any one (measured up to 3.4 %, depending on the key; format 3: 8 % and 10 %; the
    /// 2×2 grid and the record without the full-MAC root, see docs/watermark.md), and a record that survives losing a
    /// quarter of the blocks.
    /// </summary>
    [Fact]
    public void Shared_224_images_change_by_at_most_1_on_at_most_3_percent_of_pixels_on_average()
    {
        var all = Images.Kermany();
        var shares = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var path = all[i * all.Count / 20];
            var image = ImageFiles.Load(path);
            var statistics = Mark(image);
            var share = (double)statistics.PixelsChanged / image.Samples.Length;
            shares.Add(share);
            Assert.True(statistics.LargestChange <= 1, $"{path}: largest change {statistics.LargestChange}");
            Assert.True(share <= 0.04, $"{path}: {share:P2} of pixels changed");
            Assert.True(statistics.LostBlocks >= Quarter(statistics.Blocks),
                $"{path}: the record survives losing only {statistics.LostBlocks} of {statistics.Blocks} blocks");
        }
        output.WriteLine($"pixels changed: mean {shares.Average():P2}, max {shares.Max():P2}");
        Assert.True(shares.Average() <= MarkPlanner.ChangedBudget, $"mean share of pixels changed {shares.Average():P2}");
    }

    /// <summary>
    /// The lost blocks a record must survive: a quarter of the blocks — rounded up below 16 blocks (2×2: 1, 3×3: 3),
    /// else at least 4 and at most 32.
    /// </summary>
    private static int Quarter(int blocks) => blocks < 16 ? (blocks + 3) / 4 : Math.Clamp(blocks / 4, 4, 32);

    /// <summary>
    /// Every phantom region at 12, 14 and 16 bits (1024²): ±1 on ≤ 3 % of pixels, blocks no larger than the format
    /// reaches today (12-bit ≤ 192, 14-bit ≤ 256, 16-bit ≤ 320 px) and a record that survives losing any quarter of
    /// the blocks.
    /// </summary>
    [Theory]
    [InlineData(PhantomRegion.Chest)]
    [InlineData(PhantomRegion.Hand)]
    [InlineData(PhantomRegion.Knee)]
    [InlineData(PhantomRegion.Spine)]
    public void Phantoms_keep_the_distortion_budget_with_blocks_no_coarser_than_reached(PhantomRegion region)
    {
        foreach (var (bits, largestBlock) in new[] { (12, 192), (14, 256), (16, 320) })
        {
            var image = RadiographPhantom.Generate(new PhantomOptions(region, 1024, 1024, bits, 1));
            var s = Mark(image);
            var share = (double)s.PixelsChanged / image.Samples.Length;
            output.WriteLine($"{region} {bits}-bit: blocks of {s.BlockSize} ({s.Blocks}), {share:P2} changed, largest {s.LargestChange}, survives losing {s.LostBlocks}");
            Assert.True(s.LargestChange <= 1, $"{region} {bits}-bit: largest change {s.LargestChange}");
            Assert.True(share <= MarkPlanner.ChangedBudget, $"{region} {bits}-bit: {share:P2} of pixels changed");
            Assert.True(s.BlockSize <= largestBlock, $"{region} {bits}-bit: blocks of {s.BlockSize} px (at most {largestBlock} reached)");
            Assert.True(s.LostBlocks >= Quarter(s.Blocks), $"{region} {bits}-bit: the record survives losing only {s.LostBlocks} of {s.Blocks} blocks");
        }
    }
}
