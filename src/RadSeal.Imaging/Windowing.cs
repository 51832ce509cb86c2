using System.Globalization;
using RadSeal.Dicom;

namespace RadSeal.Imaging;

/// <summary>The VOI LUT Function of PS3.3 C.11.2.1.3.</summary>
public enum VoiFunction
{
    Linear,
    LinearExact,
    Sigmoid,
}

/// <summary>
/// Maps stored samples to 8-bit display values: Modality rescale (slope/intercept), then a VOI window (PS3.3
/// C.11.2.1.2) or a VOI LUT, then MONOCHROME1 inversion. Precomputed as a table over every possible sample, so
/// rendering a 3000×3000 image is one lookup per pixel.
/// </summary>
public sealed class VoiTransform
{
    private readonly byte[] table;

    private VoiTransform(byte[] table, string description)
    {
        this.table = table;
        Description = description;
    }

    /// <summary>What the transform is (for logs and docs), e.g. "window 2048/4096 LINEAR".</summary>
    public string Description { get; }

    /// <summary>A window over modality values (after rescale).</summary>
    public static VoiTransform Window(GrayImage image, double center, double width, VoiFunction function = VoiFunction.Linear,
        double slope = 1, double intercept = 0)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!(width >= 1) && function != VoiFunction.LinearExact || !(width > 0))
        {
            throw new PixelDataException($"Window Width {width.ToString(CultureInfo.InvariantCulture)} is not valid.");
        }
        var table = new byte[image.MaxValue + 1];
        for (var s = 0; s < table.Length; s++)
        {
            var x = image.ToStoredValue((ushort)s) * slope + intercept;
            var y = function switch
            {
                VoiFunction.Linear => x <= center - 0.5 - (width - 1) / 2 ? 0
                    : x > center - 0.5 + (width - 1) / 2 ? 255 : ((x - (center - 0.5)) / (width - 1) + 0.5) * 255,
                VoiFunction.LinearExact => x <= center - width / 2 ? 0 : x > center + width / 2 ? 255 : ((x - center) / width + 0.5) * 255,
                _ => 255 / (1 + Math.Exp(-4 * (x - center) / width)),
            };
            table[s] = (byte)Math.Clamp(Math.Round(y), 0, 255);
        }
        Invert(image, table);
        return new VoiTransform(table, string.Create(CultureInfo.InvariantCulture, $"window {center}/{width} {function}"));
    }

    /// <summary>A linear window spanning the smallest to the largest sample actually present.</summary>
    public static VoiTransform MinMax(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int min = int.MaxValue, max = int.MinValue;
        foreach (var s in image.Samples)
        {
            min = Math.Min(min, s);
            max = Math.Max(max, s);
        }
        var table = new byte[image.MaxValue + 1];
        for (var s = 0; s < table.Length; s++)
        {
            table[s] = max == min ? (byte)128 : (byte)Math.Clamp(Math.Round((s - min) * 255.0 / (max - min)), 0, 255);
        }
        Invert(image, table);
        return new VoiTransform(table, "min/max");
    }

    /// <summary>
    /// The transform the data set asks for: its first VOI window (Window Center/Width with VOI LUT Function and the
    /// Rescale Slope/Intercept), else its first VOI LUT Sequence item, else min/max.
    /// </summary>
    public static VoiTransform FromDataSet(DicomDataSet ds, GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(ds);
        ArgumentNullException.ThrowIfNull(image);
        var slope = ds.GetDecimals(DicomTags.RescaleSlope) is [var sl, ..] ? sl : 1;
        var intercept = ds.GetDecimals(DicomTags.RescaleIntercept) is [var ic, ..] ? ic : 0;
        if (ds.GetDecimals(DicomTags.WindowCenter) is [var center, ..] && ds.GetDecimals(DicomTags.WindowWidth) is [var width, ..] && width > 0)
        {
            var function = ds.GetString(DicomTags.VOILUTFunction)?.Trim() switch
            {
                "LINEAR_EXACT" => VoiFunction.LinearExact,
                "SIGMOID" => VoiFunction.Sigmoid,
                _ => VoiFunction.Linear,
            };
            if (function == VoiFunction.Linear && width < 1)
            {
                width = 1;
            }
            return Window(image, center, width, function, slope, intercept);
        }
        if (ds.FindSequence(DicomTags.VOILUTSequence) is { Items.Count: > 0 } lut)
        {
            return FromLut(lut.Items[0], image);
        }
        return MinMax(image);
    }

    /// <summary>A VOI LUT Sequence item: LUT Descriptor (entries, first mapped value, bits) and LUT Data.</summary>
    public static VoiTransform FromLut(DicomDataSet item, GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(image);
        var descriptor = item.GetValues<ushort>(DicomTags.LUTDescriptor);
        var data = item.GetValues<ushort>(DicomTags.LUTData);
        if (descriptor.Length != 3)
        {
            throw new PixelDataException("VOI LUT Descriptor does not have 3 values.");
        }
        var entries = descriptor[0] == 0 ? 65536 : descriptor[0];
        // The first mapped value is signed when the pixel data is (PS3.3 C.11.2.1.1).
        int first = image.IsSigned ? (short)descriptor[1] : descriptor[1];
        var bits = descriptor[2];
        if (bits is < 8 or > 16 || data.Length < entries)
        {
            throw new PixelDataException($"VOI LUT has {data.Length} entries for a descriptor of {entries} entries and {bits} bits.");
        }
        var top = (1 << bits) - 1;
        var table = new byte[image.MaxValue + 1];
        for (var s = 0; s < table.Length; s++)
        {
            var index = Math.Clamp(image.ToStoredValue((ushort)s) - first, 0, entries - 1);
            table[s] = (byte)Math.Clamp(Math.Round(Math.Min((int)data[index], top) * 255.0 / top), 0, 255);
        }
        Invert(image, table);
        return new VoiTransform(table, $"VOI LUT of {entries} entries");
    }

    /// <summary>Renders one frame as 8-bit display values (0 = black).</summary>
    public byte[] Render(GrayImage image, int frame = 0)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (table.Length != image.MaxValue + 1)
        {
            throw new ArgumentException("This transform was built for another pixel range.", nameof(image));
        }
        var pixels = image.Frame(frame);
        var output = new byte[pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            output[i] = table[pixels[i]];
        }
        return output;
    }

    /// <summary>Renders one frame as an 8-bit MONOCHROME2 image (for PNG/JPEG export).</summary>
    public GrayImage RenderImage(GrayImage image, int frame = 0)
    {
        var bytes = Render(image, frame);
        var samples = new ushort[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            samples[i] = bytes[i];
        }
        return new GrayImage(image.Width, image.Height, 8, samples: samples);
    }

    private static void Invert(GrayImage image, byte[] table)
    {
        if (image.Photometric == Photometric.Monochrome1)
        {
            for (var i = 0; i < table.Length; i++)
            {
                table[i] = (byte)(255 - table[i]);
            }
        }
    }
}
