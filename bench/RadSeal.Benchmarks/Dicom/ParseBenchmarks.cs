using BenchmarkDotNet.Attributes;
using RadSeal.Dicom;

namespace RadSeal.Benchmarks.Dicom;

/// <summary>Header parsing and pixel reading of a CT-like (0.5 MB) and a DX-like (20 MB) file on disk.</summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private string dir = "";
    private string ct = "";
    private string dx = "";

    [GlobalSetup]
    public void Setup()
    {
        dir = Path.Combine(Path.GetTempPath(), "radseal-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        ct = Path.Combine(dir, "ct.dcm");
        dx = Path.Combine(dir, "dx.dcm");
        Corpus.Make(512, 512, 1, "CT").Save(ct);
        Corpus.Make(3328, 3072, 1, "DX").Save(dx);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(dir, recursive: true);

    [Benchmark]
    public int HeaderCt() => DicomFile.Open(ct).DataSet.Count;

    [Benchmark]
    public int HeaderDx() => DicomFile.Open(dx).DataSet.Count;

    /// <summary>Target: allocates at most 1.2x the 20 MB pixel data.</summary>
    [Benchmark]
    public int PixelsDx() => DicomFile.Open(dx).DataSet.FindElement(DicomTag.PixelData)!.Value.GetMemory().Length;

    [Benchmark]
    public int PixelsCt() => DicomFile.Open(ct).DataSet.FindElement(DicomTag.PixelData)!.Value.GetMemory().Length;
}
