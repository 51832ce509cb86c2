using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using RadSeal.Dicom;
using RadSeal.Imaging;

namespace RadSeal.Imaging.Tests;

public class DicomPixelsTests
{
    internal static GrayImage RandomImage(int seed, int width, int height, int bits, bool isSigned, int frames, Photometric photometric)
    {
        var random = new Random(seed);
        var samples = new ushort[width * height * frames];
        var max = (1 << bits) - 1;
        for (var i = 0; i < samples.Length; i++)
        {
            // Runs of equal values exercise the RLE replicate runs; random values its literal runs.
            samples[i] = random.Next(4) == 0 && i > 0 ? samples[i - 1] : (ushort)random.Next(max + 1);
        }
        return new GrayImage(width, height, bits, isSigned, frames, photometric, samples);
    }

    internal static DicomFile Wrap(GrayImage image, TransferSyntax syntax)
    {
        var ds = new DicomDataSet();
        ds.SetString(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7");
        ds.SetString(DicomTags.SOPInstanceUID, DicomVR.UI, DicomUid.Generate());
        DicomPixels.Store(ds, image, syntax);
        var meta = new DicomDataSet();
        meta.SetString(DicomTag.TransferSyntaxUid, DicomVR.UI, syntax.Uid);
        return new DicomFile(meta, ds, syntax);
    }

    public static IEnumerable<object[]> Syntaxes() =>
    [
        [TransferSyntax.ExplicitVRLittleEndian.Uid], [TransferSyntax.ImplicitVRLittleEndian.Uid],
        [TransferSyntax.ExplicitVRBigEndian.Uid], [TransferSyntax.RleLossless.Uid], [TransferSyntax.DeflatedExplicitVRLittleEndian.Uid],
    ];

    [FsCheck.Xunit.Property(MaxTest = 60)]
    public Property Pixels_survive_every_syntax_bit_for_bit()
    {
        var gen = from w in Gen.Choose(1, 40)
                  from h in Gen.Choose(1, 40)
                  from bits in Gen.Choose(1, 16)
                  from isSigned in Gen.Elements(false, true)
                  from frames in Gen.Choose(1, 3)
                  from syntax in Gen.Elements(Syntaxes().Select(s => (string)s[0]).ToArray())
                  from seed in Gen.Choose(0, int.MaxValue)
                  select (w, h, bits, isSigned, frames, syntax, seed);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var image = RandomImage(c.seed, c.w, c.h, c.bits, c.isSigned, c.frames, Photometric.Monochrome2);
            using var stream = new MemoryStream();
            Wrap(image, TransferSyntax.FromUid(c.syntax)).Save(stream);
            stream.Position = 0;
            var read = DicomPixels.Read(DicomFile.Read(stream));
            return read.SamplesEqual(image) && read.Frames == c.frames;
        });
    }

    [Theory]
    [InlineData(16, 12, 11, true)]
    [InlineData(16, 12, 15, false)]
    [InlineData(8, 6, 6, true)]
    public void High_bit_and_sign_are_honoured(int allocated, int stored, int highBit, bool isSigned)
    {
        // Build the raw words by hand: value v at bits [highBit-stored+1 .. highBit], garbage below and above.
        var values = new[] { 0, 1, -1, (1 << (stored - 1)) - 1, -(1 << (stored - 1)), 5 };
        var shift = highBit - stored + 1;
        var raw = new byte[values.Length * allocated / 8];
        for (var i = 0; i < values.Length; i++)
        {
            var v = isSigned ? values[i] : Math.Abs(values[i]);
            var word = ((v & ((1 << stored) - 1)) << shift) | (shift > 0 ? 1 : 0);
            if (allocated == 8)
            {
                raw[i] = (byte)word;
            }
            else
            {
                raw[2 * i] = (byte)word;
                raw[2 * i + 1] = (byte)(word >> 8);
            }
        }
        var ds = new DicomDataSet();
        ds.SetValues(DicomTags.Rows, DicomVR.US, (ushort)1);
        ds.SetValues(DicomTags.Columns, DicomVR.US, (ushort)values.Length);
        ds.SetValues(DicomTags.BitsAllocated, DicomVR.US, (ushort)allocated);
        ds.SetValues(DicomTags.BitsStored, DicomVR.US, (ushort)stored);
        ds.SetValues(DicomTags.HighBit, DicomVR.US, (ushort)highBit);
        ds.SetValues(DicomTags.PixelRepresentation, DicomVR.US, (ushort)(isSigned ? 1 : 0));
        ds.SetString(DicomTags.PhotometricInterpretation, DicomVR.CS, "MONOCHROME1");
        ds.Set(new DicomElement(DicomTag.PixelData, allocated == 8 ? DicomVR.OB : DicomVR.OW, raw));
        var image = DicomPixels.Read(ds, TransferSyntax.ExplicitVRLittleEndian);
        Assert.Equal(Photometric.Monochrome1, image.Photometric);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(isSigned ? values[i] : Math.Abs(values[i]), image.ToStoredValue(image.Samples[i]));
        }
    }

    [Theory]
    [InlineData(12, 11, true)]
    [InlineData(12, 15, false)]
    [InlineData(14, 13, false)]
    [InlineData(16, 15, true)]
    [InlineData(16, 15, false)]
    [InlineData(10, 12, true)]
    public void Sixteen_bit_samples_match_the_bit_by_bit_rule_at_any_length(int stored, int highBit, bool isSigned)
    {
        // Long rows with random words, garbage outside the stored bits included: every lane of the vectorised path and
        // its scalar tail (1,003 is no multiple of any vector width) against the rule written out per sample.
        const int count = 1003;
        var random = new Random(stored * 100 + highBit);
        var raw = new byte[2 * count];
        random.NextBytes(raw);
        var ds = new DicomDataSet();
        ds.SetValues(DicomTags.Rows, DicomVR.US, (ushort)1);
        ds.SetValues(DicomTags.Columns, DicomVR.US, (ushort)count);
        ds.SetValues(DicomTags.BitsAllocated, DicomVR.US, (ushort)16);
        ds.SetValues(DicomTags.BitsStored, DicomVR.US, (ushort)stored);
        ds.SetValues(DicomTags.HighBit, DicomVR.US, (ushort)highBit);
        ds.SetValues(DicomTags.PixelRepresentation, DicomVR.US, (ushort)(isSigned ? 1 : 0));
        ds.SetString(DicomTags.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2");
        ds.Set(new DicomElement(DicomTag.PixelData, DicomVR.OW, raw));
        var image = DicomPixels.Read(ds, TransferSyntax.ExplicitVRLittleEndian);
        var shift = highBit - stored + 1;
        for (var i = 0; i < count; i++)
        {
            var bits = ((raw[2 * i] | (raw[2 * i + 1] << 8)) >> shift) & ((1 << stored) - 1);
            var expected = isSigned && bits >= 1 << (stored - 1) ? bits - (1 << stored) : bits;
            Assert.Equal(expected, image.ToStoredValue(image.Samples[i]));
        }
    }

    [Theory]
    [InlineData(1003, 1, 12, false, 1)] // a length no pool bucket has: the rented buffer is longer than the image
    [InlineData(64, 48, 16, true, 3)]
    [InlineData(37, 5, 8, false, 2)]
    public void Pooled_pixels_equal_the_allocated_ones_and_go_back_on_dispose(int width, int height, int bits, bool isSigned, int frames)
    {
        var image = RandomImage(width * height + bits, width, height, bits, isSigned, frames, Photometric.Monochrome2);
        var file = Wrap(image, TransferSyntax.ExplicitVRLittleEndian);
        var lease = DicomPixels.ReadPooled(file);
        var pooled = lease.Image;
        Assert.Equal(width * height * frames, pooled.Samples.Length); // only the image's samples, not the whole buffer
        Assert.True(pooled.SamplesEqual(DicomPixels.Read(file)));
        Assert.True(pooled.Clone().SamplesEqual(image));
        Assert.Equal(image.Samples.Slice((height - 1) * width, width).ToArray(), pooled.Row(0, height - 1).ToArray());
        lease.Dispose();
        Assert.Throws<ObjectDisposedException>(() => lease.Image);
        lease.Dispose(); // twice is harmless: the buffer goes back once
    }

    [Theory]
    [InlineData("Rows", "Rows")]
    [InlineData("Samples", "Samples per Pixel")]
    [InlineData("Bits", "Bits Allocated")]
    [InlineData("Short", "need")]
    [InlineData("Photometric", "Photometric")]
    public void Inconsistent_pixel_modules_get_a_clear_error(string defect, string expected)
    {
        var image = RandomImage(1, 8, 8, 12, false, 1, Photometric.Monochrome2);
        var ds = Wrap(image, TransferSyntax.ExplicitVRLittleEndian).DataSet;
        switch (defect)
        {
            case "Rows": ds.Remove(DicomTags.Rows); break;
            case "Samples": ds.SetValues(DicomTags.SamplesPerPixel, DicomVR.US, (ushort)3); break;
            case "Bits": ds.SetValues(DicomTags.BitsAllocated, DicomVR.US, (ushort)32); break;
            case "Short": ds.Set(new DicomElement(DicomTag.PixelData, DicomVR.OW, new byte[10])); break;
            default: ds.SetString(DicomTags.PhotometricInterpretation, DicomVR.CS, "RGB"); break;
        }
        var ex = Assert.Throws<PixelDataException>(() => DicomPixels.Read(ds, TransferSyntax.ExplicitVRLittleEndian));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property Corrupt_rle_frames_throw_a_pixel_error_never_crash(byte[] garbage, int width, int height)
    {
        width = 1 + Math.Abs(width % 64);
        height = 1 + Math.Abs(height % 64);
        var frame = new byte[64 + garbage.Length];
        frame[0] = 2;
        frame[4] = 64;
        frame[8] = (byte)(64 + garbage.Length / 2);
        garbage.CopyTo(frame, 64);
        try
        {
            var decoded = RleCodec.DecodeFrame(frame, width, height, 2);
            return (decoded.Length == width * height * 2).ToProperty();
        }
        catch (PixelDataException)
        {
            return true.ToProperty();
        }
    }

    [Fact]
    public void Number_of_frames_that_is_not_a_number_is_refused()
    {
        var ds = Wrap(RandomImage(2, 4, 4, 8, false, 1, Photometric.Monochrome2), TransferSyntax.ExplicitVRLittleEndian).DataSet;
        ds.SetString(DicomTags.NumberOfFrames, DicomVR.IS, "x");
        Assert.Throws<PixelDataException>(() => DicomPixels.Read(ds, TransferSyntax.ExplicitVRLittleEndian));
        ds.SetString(DicomTags.NumberOfFrames, DicomVR.IS, 1.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(1, DicomPixels.Read(ds, TransferSyntax.ExplicitVRLittleEndian).Frames);
    }
}
