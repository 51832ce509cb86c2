using System.Text.Json;
using System.Text.Json.Serialization;

namespace RadSeal.Forensics.Pixels;

/// <summary>
/// A trained pixel detector as a small JSON file: feature names, the image-level linear model over handcrafted +
/// ResNet-18 features, Platt calibration (p = σ(A·logit + B)), the patch model behind the heatmap, and the figures
/// measured when it was trained. The committed model is src/RadSeal.Forensics/Pixels/Model/radseal-pixel-1.json.
/// </summary>
public sealed record PixelModel(
    string Name,
    IReadOnlyList<string> FeatureNames,
    LinearModel Image,
    double CalibrationA,
    double CalibrationB,
    IReadOnlyList<string> PatchFeatureNames,
    LinearModel Patch,
    IReadOnlyDictionary<string, double> Metrics)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public const string DefaultResource = "RadSeal.Forensics.Pixels.radseal-pixel-1.json";

    /// <summary>Calibrated probability of "synthetic" for an image-level logit.</summary>
    public double Calibrate(double logit) => LogisticRegression.Sigmoid(CalibrationA * logit + CalibrationB);

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Parses a model file.</summary>
    /// <exception cref="InvalidDataException">Not a model, or its parts do not fit together.</exception>
    public static PixelModel FromJson(string json)
    {
        PixelModel? model;
        try
        {
            model = JsonSerializer.Deserialize<PixelModel>(json, Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Not a pixel-detector model: {ex.Message}", ex);
        }
        if (model is null || model.FeatureNames is null || model.Image is null || model.Patch is null
            || model.Image.Weights.Length != model.FeatureNames.Count || model.Image.Mean.Length != model.FeatureNames.Count
            || model.Image.Scale.Length != model.FeatureNames.Count || model.Patch.Weights.Length != PatchFeatures.Names.Count
            || model.FeatureNames.Count != HandcraftedFeatures.Names.Count + ResNetFeatures.Dimensions)
        {
            throw new InvalidDataException("The pixel-detector model's feature lists do not match this version of RadSeal.");
        }
        return model;
    }

    /// <summary>The model committed with this build (an embedded resource).</summary>
    public static PixelModel LoadDefault()
    {
        using var stream = typeof(PixelModel).Assembly.GetManifestResourceStream(DefaultResource)
            ?? throw new InvalidDataException("This build carries no pixel-detector model (resource missing).");
        using var reader = new StreamReader(stream);
        return FromJson(reader.ReadToEnd());
    }
}
