using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;
using Xunit.Abstractions;

namespace RadSeal.Watermark.Tests;

public sealed class RoundTripTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestPki pki = new();
    private static readonly byte[] Identity = SHA256.HashData("1.2.826.0.1.3680043.10.1234"u8);

    public void Dispose() => pki.Dispose();

    private void AssertRoundTrip(GrayImage image, string what)
    {
        var marked = Watermarker.Embed(image, pki.Signer, Identity);
        Assert.False(marked.SamplesEqual(image), $"{what}: the mark changed nothing");
        var report = Watermarker.Verify(marked, pki.Anchors, Identity, pki.Certificates);
        Assert.True(report.Status == WatermarkStatus.Valid, $"{what}: {report.Status} {report.Reason} {report.Detail}");
        Assert.True(Watermarker.Restore(marked).SamplesEqual(image), $"{what}: restore is not bit-exact");
    }

    private static Gen<(int Seed, int W, int H, int Bits, double Noise, double Saturated)> RandomImages() =>
        from seed in Gen.Choose(0, int.MaxValue)
        from w in Gen.Choose(16, 220)
        from h in Gen.Choose(16, 220)
        from bits in Gen.Choose(6, 16)
        from noise in Gen.Elements(0.0, 0.002, 0.01, 0.03)
        from saturated in Gen.Elements(0.0, 0.0, 0.1, 0.4)
        select (seed, w, h, bits, noise, saturated);

    [FsCheck.Xunit.Property(MaxTest = 60)]
    public Property Random_images_restore_bit_exact_or_are_refused_untouched()
    {
        return Prop.ForAll(RandomImages().ToArbitrary(), c =>
        {
            var image = Images.Synthetic(c.Seed, c.W, c.H, c.Bits, c.Noise, c.Saturated);
            var samples = image.Clone();
            try
            {
                Watermarker.EmbedInPlace(samples.Samples, c.W, c.H, 1, c.Bits, false, pki.Signer, Identity);
            }
            catch (WatermarkException)
            {
                return samples.SamplesEqual(image).Label("refused, pixels untouched");
            }
            return (Watermarker.Restore(samples).SamplesEqual(image)
                && Watermarker.Verify(samples, pki.Anchors, Identity, pki.Certificates).Status == WatermarkStatus.Valid).Label("restored bit-exact and valid");
        });
    }

    [Fact]
    public void Random_images_almost_always_have_room()
    {
        var refused = 0;
        var random = new Random(42);
        for (var i = 0; i < 60; i++)
        {
            int w = random.Next(200, 320), h = random.Next(200, 320), bits = random.Next(6, 17);
            var image = Images.Synthetic(random.Next(), w, h, bits, 0.003, i % 3 == 0 ? 0.1 : 0);
            try
            {
                AssertRoundTrip(image, $"{w}x{h}x{bits}");
            }
            catch (WatermarkException)
            {
                refused++;
            }
        }
        Assert.True(refused <= 3, $"{refused} of 60 random images had no room");
    }

    [Fact]
    public void An_image_too_small_for_the_record_is_refused_with_a_clear_error_and_left_untouched()
    {
        var image = Images.Synthetic(1, 40, 40, 8, 0.01, 0);
        var copy = image.Clone();
        var ex = Assert.Throws<WatermarkException>(() => Watermarker.EmbedInPlace(copy.Samples, 40, 40, 1, 8, false, pki.Signer, Identity));
        Assert.Contains("No room", ex.Message, StringComparison.Ordinal);
        Assert.True(copy.SamplesEqual(image));
        Assert.Throws<WatermarkException>(() => Watermarker.Embed(new GrayImage(8, 8, 8), pki.Signer, Identity));
    }

    public static TheoryData<PhantomRegion, int> Phantoms()
    {
        var data = new TheoryData<PhantomRegion, int>();
        foreach (var region in Enum.GetValues<PhantomRegion>())
        {
            foreach (var bits in new[] { 12, 14, 16 })
            {
                data.Add(region, bits);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Phantoms))]
    public void Phantoms_restore_bit_exact(PhantomRegion region, int bits) => AssertRoundTrip(Images.Phantom(region, bits), $"{region} {bits}-bit");

    [Fact]
    public void Signed_multi_frame_and_saturated_images_restore_bit_exact()
    {
        var frames = 3;
        var single = Images.Phantom(PhantomRegion.Knee, 12, 128);
        var samples = new ushort[single.Samples.Length * frames];
        for (var f = 0; f < frames; f++)
        {
            single.Samples.CopyTo(samples.AsSpan(f * single.Samples.Length));
            samples[f * single.Samples.Length + 5000] ^= 1; // frames differ
        }
        AssertRoundTrip(new GrayImage(128, 128, 12, isSigned: true, frames: frames, samples: samples), "signed 3-frame");
        var flat = new GrayImage(256, 256, 12);
        AssertRoundTrip(flat, "all-zero");
        var white = new GrayImage(256, 256, 12, samples: Enumerable.Repeat((ushort)4095, 65536).ToArray());
        AssertRoundTrip(white, "all-max");
    }

    [Fact]
    public void Shared_8_bit_chest_radiographs_restore_bit_exact()
    {
        var paths = Images.KermanySample(24);
        foreach (var path in paths)
        {
            AssertRoundTrip(ImageFiles.Load(path), path);
        }
        output.WriteLine($"{paths.Count} images of the shared set round-tripped");
    }
}
