using BenchmarkDotNet.Attributes;
using RadSeal.Forensics.Pixels;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;

namespace RadSeal.Benchmarks.Forensics;

/// <summary>
/// The whole pixel pipeline per radiograph on one core (ONNX Runtime runs with one thread): decode-free score of a
/// 224² Kermany chest X-ray (8-bit) and of a 2048² 12-bit chest phantom (the normalisation's resize included), and the
/// parts: normalisation, handcrafted features, patch features, ResNet-18.
/// </summary>
[MemoryDiagnoser]
public class PixelDetectorBenchmarks
{
    private PixelDetector detector = null!;
    private ResNetFeatures resnet = null!;
    private GrayImage kermany = null!;
    private GrayImage phantom = null!;
    private NormalizedImage normalised = null!;

    [GlobalSetup]
    public void Setup()
    {
        detector = PixelDetector.LoadDefault();
        resnet = ResNetFeatures.Load();
        var dir = Environment.GetEnvironmentVariable("KERMANY_DIR") ?? "/work/shared/data/cxr-kermany-224";
        kermany = ImageFiles.Load(Directory.GetFiles(Path.Combine(dir, "test", "NORMAL"), "*.jpeg").Order(StringComparer.Ordinal).First());
        phantom = RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Chest, 2048, 2048, 12, 1));
        normalised = NormalizedImage.From(kermany);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        detector.Dispose();
        resnet.Dispose();
    }

    [Benchmark(Baseline = true)]
    public PixelScore Score224Kermany() => detector.Score(kermany);

    [Benchmark]
    public PixelScore Score2048Phantom() => detector.Score(phantom);

    [Benchmark]
    public NormalizedImage Normalise2048() => NormalizedImage.From(phantom);

    [Benchmark]
    public double[] Handcrafted() => HandcraftedFeatures.Compute(normalised);

    [Benchmark]
    public double[][] Patches() => PatchFeatures.Compute(normalised);

    [Benchmark]
    public float[] ResNet18() => resnet.Compute(normalised);
}
