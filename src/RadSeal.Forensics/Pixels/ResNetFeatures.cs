using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace RadSeal.Forensics.Pixels;

/// <summary>
/// The 512 pooled activations of ImageNet ResNet-18 (the ONNX model shipped in the NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, copied into the build output as models/*.onnx; nothing is
/// downloaded) for a normalised radiograph repeated in the three colour channels. Runs on one CPU thread, so scores are
/// reproducible and one radiograph costs one core. Thread-safe (ONNX Runtime sessions are).
/// </summary>
public sealed class ResNetFeatures : IDisposable
{
    public const int Dimensions = 512;

    private readonly InferenceSession preprocess;
    private readonly InferenceSession network;
    private readonly string preprocessInput;
    private readonly string networkInput;

    private ResNetFeatures(InferenceSession preprocess, InferenceSession network)
    {
        this.preprocess = preprocess;
        this.network = network;
        preprocessInput = preprocess.InputMetadata.Keys.First();
        networkInput = network.InputMetadata.Keys.First();
    }

    /// <summary>Where the models are looked for: the models/ folder beside the running assembly.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>Loads ResNetPreprocess.onnx and ResNet18.onnx from <paramref name="directory"/>.</summary>
    /// <exception cref="FileNotFoundException">A model file is missing (the build copies them from the NuGet package).</exception>
    public static ResNetFeatures Load(string? directory = null)
    {
        directory ??= DefaultDirectory;
        var prep = Path.Combine(directory, "ResNetPreprocess.onnx");
        var net = Path.Combine(directory, "ResNet18.onnx");
        foreach (var file in new[] { prep, net })
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException(
                    $"The ResNet-18 model {file} is missing: it is copied from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 at build time.", file);
            }
        }
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        var first = new InferenceSession(prep, options);
        try
        {
            return new ResNetFeatures(first, new InferenceSession(net, options));
        }
        catch
        {
            first.Dispose();
            throw;
        }
    }

    /// <summary>The 512 features of <paramref name="image"/>.</summary>
    public float[] Compute(NormalizedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        const int n = NormalizedImage.Size;
        var input = new DenseTensor<float>([1, 3, n, n]);
        var buffer = input.Buffer.Span;
        var p = image.Pixels;
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < n * n; i++)
            {
                buffer[c * n * n + i] = p[i] * 255f;
            }
        }
        using var prepared = preprocess.Run([NamedOnnxValue.CreateFromTensor(preprocessInput, input)]);
        var preparedTensor = prepared[0].AsTensor<float>();
        using var output = network.Run([NamedOnnxValue.CreateFromTensor(networkInput, preparedTensor)]);
        var features = output[0].AsEnumerable<float>().ToArray();
        if (features.Length != Dimensions)
        {
            throw new InvalidOperationException($"ResNet-18 gave {features.Length} features, expected {Dimensions}.");
        }
        return features;
    }

    public void Dispose()
    {
        preprocess.Dispose();
        network.Dispose();
    }
}
