using FsCheck;
using FsCheck.Fluent;
using RadSeal.Dicom;
using RadSeal.Imaging;

namespace RadSeal.Imaging.Tests;

public class PictureTests
{
    [FsCheck.Xunit.Property(MaxTest = 40)]
    public Property Gray_png_round_trips_at_8_and_16_bits()
    {
        var gen = from w in Gen.Choose(1, 50)
                  from h in Gen.Choose(1, 50)
                  from bits in Gen.Elements(8, 16)
                  from seed in Gen.Choose(0, 10000)
                  select (w, h, bits, seed);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var image = DicomPixelsTests.RandomImage(c.seed, c.w, c.h, c.bits, false, 1, Photometric.Monochrome2);
            return PngCodec.TryDecodeGray(PngCodec.EncodeGray(image))!.SamplesEqual(image);
        });
    }

    [Fact]
    public void Skia_reads_our_8_bit_png_the_same()
    {
        var image = DicomPixelsTests.RandomImage(3, 37, 29, 8, false, 1, Photometric.Monochrome2);
        var png = PngCodec.EncodeGray(image);
        // Skia is the independent decoder here: force its path with a JPEG-free RGB re-encode of the same gray values.
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        for (var i = 0; i < image.Samples.Length; i++)
        {
            Assert.Equal(image.Samples[i], bitmap.GetPixel(i % 37, i / 37).Red);
        }
    }

    [Fact]
    public void Jpeg_export_and_import_go_through_skia()
    {
        var samples = new ushort[64 * 64];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (ushort)(i % 64 * 4);
        }
        var image = new GrayImage(64, 64, 8, samples: samples);
        var jpeg = ImageFiles.Encode(image, ImageFormat.Jpeg, 95);
        var back = ImageFiles.Decode(jpeg);
        Assert.Equal(64, back.Width);
        for (var i = 0; i < samples.Length; i++)
        {
            Assert.InRange(back.Samples[i] - samples[i], -6, 6);
        }
        Assert.Throws<PixelDataException>(() => ImageFiles.Encode(new GrayImage(4, 4, 12), ImageFormat.Jpeg));
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 })]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0 })]
    public void Broken_pictures_get_a_pixel_error(byte[] bytes) =>
        Assert.Throws<PixelDataException>(() => ImageFiles.Decode(bytes));

    [Fact]
    public void Linear_window_follows_ps3_3_c_11_2_1_2()
    {
        var image = new GrayImage(5, 1, 12, samples: [0, 1023, 1024, 1025, 4095]);
        var table = VoiTransform.Window(image, 1024.5, 2).Render(image);
        // c = 1024.5, w = 2: x ≤ 1023 → 0, x > 1025 → 255, else ((x − 1024)/1 + 0.5)·255.
        Assert.Equal(new byte[] { 0, 0, 128, 255, 255 }, table);
        var exact = VoiTransform.Window(image, 1024, 100, VoiFunction.LinearExact).Render(image);
        Assert.Equal(128, exact[2]);
        var inverted = VoiTransform.Window(new GrayImage(2, 1, 12, photometric: Photometric.Monochrome1, samples: [0, 4095]), 2048, 4096).Render(
            new GrayImage(2, 1, 12, photometric: Photometric.Monochrome1, samples: [0, 4095]));
        Assert.Equal(new byte[] { 255, 0 }, inverted);
    }

    [Fact]
    public void Voi_lut_sequence_and_rescale_are_applied()
    {
        var image = new GrayImage(3, 1, 12, samples: [0, 10, 4000]);
        var item = new DicomDataSet();
        item.SetValues(DicomTags.LUTDescriptor, DicomVR.US, (ushort)11, (ushort)0, (ushort)8);
        item.SetValues(DicomTags.LUTData, DicomVR.US, Enumerable.Range(0, 11).Select(i => (ushort)(i * 25)).ToArray());
        var ds = new DicomDataSet();
        ds.Set(new DicomSequence(DicomTags.VOILUTSequence, [item]));
        Assert.Equal(new byte[] { 0, 250, 250 }, VoiTransform.FromDataSet(ds, image).Render(image));
        ds.SetString(DicomTags.WindowCenter, DicomVR.DS, "0");
        ds.SetString(DicomTags.WindowWidth, DicomVR.DS, "20");
        ds.SetString(DicomTags.RescaleIntercept, DicomVR.DS, "-10");
        // With intercept −10 the stored 10 becomes 0, the centre: mid-gray.
        Assert.Equal(134, VoiTransform.FromDataSet(ds, image).Render(image)[1]);
    }
}
