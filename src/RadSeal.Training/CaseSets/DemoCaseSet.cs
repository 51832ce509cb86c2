using System.Globalization;
using System.Text;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;

namespace RadSeal.Training.CaseSets;

/// <summary>
/// The bundled demo case set: six real chest radiographs (Kermany et al., CC BY 4.0) embedded in the assembly, three
/// manipulated versions of them and three simulated radiographs from RadSeal's phantom, all labelled. The derived cases
/// are made here, deterministically, rather than shipped as opaque files; they then go through the same import as
/// any uploaded case set.
/// </summary>
public static class DemoCaseSet
{
    public const string Name = "RadSeal demo (Kermany CXR, manipulated, simulated)";

    private const string Prefix = "RadSeal.Training.Demo.";

    /// <summary>The attribution and licence text shown in the app.</summary>
    public static string Attribution => Encoding.UTF8.GetString(Resource("ATTRIBUTION.md"));

    /// <summary>The demo set's files (images and CSV) as an upload would give them.</summary>
    public static IReadOnlyList<ImportFile> Files(CancellationToken cancellationToken = default)
    {
        var real = typeof(DemoCaseSet).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".jpeg", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).Select(n => new ImportFile(n[Prefix.Length..], Resource(n[Prefix.Length..]))).ToList();
        if (real.Count != 6)
        {
            throw new InvalidOperationException($"The demo set needs its six embedded radiographs; found {real.Count}.");
        }
        var files = new List<ImportFile>(real);
        var csv = new StringBuilder("Image_Name,Real_or_AI,Reasoning,Artefacts\n");
        foreach (var f in real)
        {
            var pneumonia = f.Name.StartsWith("person", StringComparison.Ordinal);
            csv.Append(CultureInfo.InvariantCulture, $"{f.Name},Real,\"A real paediatric chest radiograph ({(pneumonia ? "pneumonia" : "normal")}; Kermany et al., CC BY 4.0), downscaled to 224x224 and JPEG-compressed by its publisher.\",\"Natural asymmetry (heart left of midline), continuous rib and vessel detail, quantum noise and JPEG blocking consistent across the image.\"\n");
        }
        AddManipulated(files, csv, "manipulated-mirror.png", Mirror(ImageFiles.Decode(real[0].Bytes)),
            "The left half of a real radiograph mirrored onto the right: a manipulation, not an acquisition.",
            "Perfect left-right symmetry: the heart shadow, ribs and noise repeat as a mirror image about the midline; real chests are never symmetric.");
        AddManipulated(files, csv, "manipulated-smoothed.png", Smooth(ImageFiles.Decode(real[3].Bytes), 3),
            "A real radiograph repeatedly low-pass filtered, the way some generators and denoisers over-smooth.",
            "Waxy, plastic texture; no quantum noise; fine lung markings and rib edges washed out while large shapes remain.");
        AddManipulated(files, csv, "manipulated-upsampled.png", Upsample(ImageFiles.Decode(real[1].Bytes), 4),
            "A real radiograph shrunk fourfold and enlarged again by bilinear interpolation, as upscaled synthetic images are.",
            "Soft edges with a faint grid every few pixels; detail finer than the grid is missing everywhere alike.");
        var phantoms = new[]
        {
            (File: "phantom-chest-12bit.dcm", Options: new PhantomOptions(PhantomRegion.Chest, 512, 512, 12, 11)),
            (File: "phantom-chest-16bit.dcm", Options: new PhantomOptions(PhantomRegion.Chest, 512, 512, 16, 12)),
            (File: "phantom-hand-12bit.dcm", Options: new PhantomOptions(PhantomRegion.Hand, 384, 512, 12, 13)),
        };
        foreach (var (file, options) in phantoms)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var image = RadiographPhantom.Generate(options, cancellationToken);
            using var bytes = new MemoryStream();
            RadiographPhantom.ToDicom(image, options).Save(bytes);
            files.Add(new ImportFile(file, bytes.ToArray()));
            csv.Append(CultureInfo.InvariantCulture, $"{file},AI,\"Simulated by RadSeal's radiograph phantom ({options.Region}, {options.BitsStored}-bit, seed {options.Seed}): computed from procedural anatomy and X-ray physics, never acquired from a patient.\",\"Anatomy too regular and smooth-edged; textures repeat; no positioning markers, lines or labels; noise statistics identical everywhere. Use window/level: the {options.BitsStored}-bit data hold more than the default window shows.\"\n");
        }
        files.Add(new ImportFile("cases.csv", Encoding.UTF8.GetBytes(csv.ToString())));
        return files;
    }

    private static void AddManipulated(List<ImportFile> files, StringBuilder csv, string name, GrayImage image, string reasoning, string artefacts)
    {
        files.Add(new ImportFile(name, PngCodec.EncodeGray(image)));
        csv.Append(CultureInfo.InvariantCulture, $"{name},AI,\"{reasoning}\",\"{artefacts}\"\n");
    }

    private static byte[] Resource(string name)
    {
        using var stream = typeof(DemoCaseSet).Assembly.GetManifestResourceStream(Prefix + name)
            ?? throw new InvalidOperationException($"The demo resource {name} is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The left half mirrored onto the right half.</summary>
    internal static GrayImage Mirror(GrayImage source)
    {
        var image = source.Clone();
        for (var y = 0; y < image.Height; y++)
        {
            var row = image.Row(0, y);
            for (var x = 0; x < image.Width / 2; x++)
            {
                row[image.Width - 1 - x] = row[x];
            }
        }
        return image;
    }

    /// <summary><paramref name="passes"/> 5×5 box blurs (clamped edges).</summary>
    internal static GrayImage Smooth(GrayImage source, int passes)
    {
        var image = source.Clone();
        var scratch = new ushort[image.FrameLength];
        for (var p = 0; p < passes; p++)
        {
            var s = image.Frame(0);
            for (var y = 0; y < image.Height; y++)
            {
                for (var x = 0; x < image.Width; x++)
                {
                    int sum = 0, count = 0;
                    for (var dy = -2; dy <= 2; dy++)
                    {
                        for (var dx = -2; dx <= 2; dx++)
                        {
                            int yy = Math.Clamp(y + dy, 0, image.Height - 1), xx = Math.Clamp(x + dx, 0, image.Width - 1);
                            sum += s[yy * image.Width + xx];
                            count++;
                        }
                    }
                    scratch[y * image.Width + x] = (ushort)((sum + count / 2) / count);
                }
            }
            scratch.CopyTo(s);
        }
        return image;
    }

    /// <summary>Box-averaged down by <paramref name="factor"/>, then bilinear back up to the original size.</summary>
    internal static GrayImage Upsample(GrayImage source, int factor)
    {
        int w = source.Width / factor, h = source.Height / factor;
        var small = new double[w * h];
        var s = source.Frame(0);
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                double sum = 0;
                for (var dy = 0; dy < factor; dy++)
                {
                    for (var dx = 0; dx < factor; dx++)
                    {
                        sum += s[(y * factor + dy) * source.Width + x * factor + dx];
                    }
                }
                small[y * w + x] = sum / (factor * factor);
            }
        }
        var image = source.Clone();
        var d = image.Frame(0);
        for (var y = 0; y < image.Height; y++)
        {
            var fy = Math.Clamp((y + 0.5) / factor - 0.5, 0, h - 1);
            int y0 = (int)fy, y1 = Math.Min(y0 + 1, h - 1);
            for (var x = 0; x < image.Width; x++)
            {
                var fx = Math.Clamp((x + 0.5) / factor - 0.5, 0, w - 1);
                int x0 = (int)fx, x1 = Math.Min(x0 + 1, w - 1);
                double ax = fx - x0, ay = fy - y0;
                var v = (small[y0 * w + x0] * (1 - ax) + small[y0 * w + x1] * ax) * (1 - ay) + (small[y1 * w + x0] * (1 - ax) + small[y1 * w + x1] * ax) * ay;
                d[y * image.Width + x] = (ushort)Math.Round(v);
            }
        }
        return image;
    }
}
