using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;

namespace RadSeal.Forensics.Pixels;

/// <summary>Which part of the data an item belongs to; decided by patient, never by image.</summary>
public enum Split
{
    Train,
    Validation,
    Test,
}

/// <summary>
/// One training or test image. <see cref="Label"/> 1 = synthetic. <see cref="Kind"/> is the pseudo-fake trace (null for
/// real images). <see cref="Group"/> is the patient (or phantom seed) the split is decided by.
/// </summary>
public sealed record TrainingItem(string Id, string Source, string Group, Split Split, int Label, PseudoFakeKind? Kind,
    Func<GrayImage> Load)
{
    /// <summary>The container the image comes in (width, height, bit depth, JPEG or not): what a metadata-only baseline sees.</summary>
    public required (int Width, int Height, int Bits, bool Jpeg) Container { get; init; }
}

/// <summary>
/// The detector's data, built the same way by the trainer and by the regression test. Real: the Kermany chest X-rays
/// (CC BY 4.0; read in place from their folder, never copied) and physics-simulated phantoms. Synthetic: one
/// pseudo-fake per real image, of a kind chosen by a hash of its name, made from that image and kept in its patient's
/// split; Kermany-derived fakes are re-encoded as JPEG (quality 85–95) so they come in the same container as the real
/// ones. Splits: 70 / 15 / 15 % by a SHA-256 hash of the patient id.
/// </summary>
public static partial class TrainingCorpus
{
    /// <summary>Patient id from a Kermany file name: person123_bacteria_45.jpeg → person123; IM-0023-0001 → IM-0023.</summary>
    public static string PatientOf(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var name = Path.GetFileNameWithoutExtension(fileName);
        var person = PersonPattern().Match(name);
        if (person.Success)
        {
            return person.Groups[1].Value;
        }
        var im = ImPattern().Match(name);
        return im.Success ? im.Groups[1].Value : name;
    }

    public static Split SplitOf(string group)
    {
        var h = SHA256.HashData(Encoding.UTF8.GetBytes("radseal-split/" + group));
        var bucket = (h[0] << 8 | h[1]) % 100;
        return bucket < 70 ? Split.Train : bucket < 85 ? Split.Validation : Split.Test;
    }

    /// <summary>
    /// Up to <paramref name="perSplit"/> real Kermany images per split (spread over NORMAL and PNEUMONIA, taken in
    /// hash order so the choice is fixed) plus <paramref name="phantoms"/> phantoms, each with one pseudo-fake.
    /// </summary>
    public static IReadOnlyList<TrainingItem> Build(string kermanyDirectory, IReadOnlyDictionary<Split, int> perSplit, int phantoms)
    {
        ArgumentNullException.ThrowIfNull(perSplit);
        if (!Directory.Exists(kermanyDirectory))
        {
            throw new DirectoryNotFoundException($"The Kermany chest X-ray folder {kermanyDirectory} does not exist.");
        }
        var files = Directory.EnumerateFiles(kermanyDirectory, "*.jpeg", SearchOption.AllDirectories)
            .Select(f => (Path: f, Key: Key(Path.GetRelativePath(kermanyDirectory, f))))
            .OrderBy(f => f.Key, StringComparer.Ordinal)
            .ToList();
        var items = new List<TrainingItem>();
        var taken = new Dictionary<Split, int>();
        foreach (var (path, _) in files)
        {
            var name = Path.GetFileName(path);
            // The same person id in the train and test folders is taken to be the same patient (conservative).
            var group = PatientOf(name);
            var split = SplitOf(group);
            var limit = perSplit.TryGetValue(split, out var l) ? l : 0;
            if (taken.GetValueOrDefault(split) >= limit)
            {
                continue;
            }
            taken[split] = taken.GetValueOrDefault(split) + 1;
            var id = Path.GetRelativePath(kermanyDirectory, path).Replace('\\', '/');
            var kind = KindFor(id);
            var seed = SeedFor(id);
            var container = (224, 224, 8, true);
            items.Add(new TrainingItem(id, "kermany", group, split, 0, null, () => ImageFiles.Load(path)) { Container = container });
            items.Add(new TrainingItem(id + "#" + kind, "kermany", group, split, 1, kind, () =>
            {
                var fake = PseudoFakes.Make(ImageFiles.Load(path), kind, seed);
                return ImageFiles.Decode(ImageFiles.Encode(fake, ImageFormat.Jpeg, 85 + seed % 11));
            })
            { Container = container });
        }
        var regions = Enum.GetValues<PhantomRegion>();
        for (var i = 0; i < phantoms; i++)
        {
            var region = i % 2 == 0 ? PhantomRegion.Chest : regions[i / 2 % regions.Length];
            var size = 224 + 64 * (i % 5);
            var options = new PhantomOptions(region, size, size, 12, 1000 + i);
            var id = string.Create(CultureInfo.InvariantCulture, $"phantom/{region}-{size}-{1000 + i}");
            var split = SplitOf(id);
            var kind = KindFor(id);
            var seed = SeedFor(id);
            var container = (size, size, 12, false);
            items.Add(new TrainingItem(id, "phantom", id, split, 0, null, () => RadiographPhantom.Generate(options)) { Container = container });
            items.Add(new TrainingItem(id + "#" + kind, "phantom", id, split, 1, kind,
                () => PseudoFakes.Make(RadiographPhantom.Generate(options), kind, seed))
            { Container = container });
        }
        return items;
    }

    public static PseudoFakeKind KindFor(string id) => PseudoFakes.Kinds[SeedFor(id) % PseudoFakes.Kinds.Count];

    private static int SeedFor(string id) => (int)(BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(id)), 0) & 0x7FFFFFFF);

    private static string Key(string id) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("radseal-order/" + id)));

    [GeneratedRegex(@"^(person\d+)_", RegexOptions.CultureInvariant)]
    private static partial Regex PersonPattern();

    [GeneratedRegex(@"^((?:NORMAL2-)?IM-\d+)-", RegexOptions.CultureInvariant)]
    private static partial Regex ImPattern();
}
