using System.Globalization;
using RadSeal.Imaging;

namespace RadSeal.Forensics.Pixels;

/// <summary>The features of one image: global handcrafted + ResNet-18, and the per-patch features of the heatmap.</summary>
public sealed record PixelFeatureSet(double[] Global, double[][] Patches);

/// <summary>
/// The RadSeal pixel detector: normalise (<see cref="NormalizedImage"/>), extract handcrafted and ResNet-18 features,
/// apply the calibrated linear model, and score 32×32 patches for the heatmap. Thread-safe; dispose to free the ONNX
/// sessions.
/// </summary>
public sealed class PixelDetector : IPixelDetector, IDisposable
{
    private readonly ResNetFeatures resnet;

    public PixelDetector(PixelModel model, ResNetFeatures resnet)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        this.resnet = resnet ?? throw new ArgumentNullException(nameof(resnet));
    }

    /// <summary>The committed model with the ResNet-18 files from the build output.</summary>
    public static PixelDetector LoadDefault() => new(PixelModel.LoadDefault(), ResNetFeatures.Load());

    public PixelModel Model { get; }

    public string Name => Model.Name;

    /// <summary>Extracts every feature the model uses.</summary>
    public static PixelFeatureSet Extract(GrayImage image, ResNetFeatures resnet, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resnet);
        var normalised = NormalizedImage.From(image);
        cancellationToken.ThrowIfCancellationRequested();
        var handcrafted = HandcraftedFeatures.Compute(normalised);
        var patches = PatchFeatures.Compute(normalised);
        cancellationToken.ThrowIfCancellationRequested();
        var learned = resnet.Compute(normalised);
        var global = new double[handcrafted.Length + learned.Length];
        handcrafted.CopyTo(global, 0);
        for (var i = 0; i < learned.Length; i++)
        {
            global[handcrafted.Length + i] = learned[i];
        }
        return new PixelFeatureSet(global, patches);
    }

    public PixelScore Score(GrayImage image, CancellationToken cancellationToken = default)
    {
        var features = Extract(image, resnet, cancellationToken);
        return Score(features);
    }

    /// <summary>Scores already-extracted features (the trainer and the evaluation reuse them).</summary>
    public PixelScore Score(PixelFeatureSet features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var logit = Model.Image.Logit(features.Global);
        var probability = Model.Calibrate(logit);
        var heatmap = new float[features.Patches.Length];
        for (var i = 0; i < heatmap.Length; i++)
        {
            heatmap[i] = (float)LogisticRegression.Sigmoid(Model.Patch.Logit(features.Patches[i]));
        }
        return new PixelScore(probability, heatmap, PatchFeatures.Grid, PatchFeatures.Grid, Evidence(features.Global));
    }

    /// <summary>The three handcrafted features that pushed the logit most, and the learned features' total share.</summary>
    private List<string> Evidence(double[] global)
    {
        var handcrafted = HandcraftedFeatures.Names.Count;
        var items = new List<(double Weight, string Text)>();
        for (var i = 0; i < handcrafted; i++)
        {
            var c = Model.Image.Contribution(i, global[i]);
            var name = Model.FeatureNames[i];
            var description = HandcraftedFeatures.Descriptions.TryGetValue(name, out var d) ? d : name;
            items.Add((c, $"{Capitalise(description)} ({name}): {Direction(c)}"));
        }
        double learned = 0;
        for (var i = handcrafted; i < global.Length; i++)
        {
            learned += Model.Image.Contribution(i, global[i]);
        }
        items.Add((learned, $"Learned ResNet-18 features, together: {Direction(learned)}"));
        return [.. items.OrderByDescending(item => Math.Abs(item.Weight)).Take(4).Select(item => item.Text)];
    }

    private static string Direction(double c) => string.Create(CultureInfo.InvariantCulture,
        $"{(c >= 0 ? "points to synthetic" : "points to a real acquisition")} (logit {c:+0.00;-0.00})");

    private static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    public void Dispose() => resnet.Dispose();
}
