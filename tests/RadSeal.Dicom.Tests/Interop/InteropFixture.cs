namespace RadSeal.Dicom.Tests.Interop;

/// <summary>The files the interop tests run over: all of pydicom's bundled test_files (with subfolders) and charset_files.</summary>
public static class InteropCorpus
{
    private static string DataRoot => Path.GetDirectoryName(Peers.PydicomTestFiles)!;

    /// <summary>Names relative to pydicom's data folder, e.g. "test_files/CT_small.dcm".</summary>
    public static IReadOnlyList<string> Names { get; } = Enumerate();

    public static string FullPath(string name) => Path.Combine(DataRoot, name);

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var n in Names)
        {
            data.Add(n);
        }
        return data;
    }

    private static string[] Enumerate()
    {
        var root = DataRoot;
        return [.. new[] { Peers.PydicomTestFiles, Peers.PydicomCharsetFiles }
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];
    }
}

/// <summary>What one syntax conversion (or own-syntax rewrite) of a corpus file gave.</summary>
internal sealed class WrittenFile
{
    public required TransferSyntax Syntax { get; init; }
    /// <summary>An encapsulated file rewritten in its own syntax (not a conversion).</summary>
    public bool Encapsulated { get; init; }
    public required string Path { get; init; }
    public Exception? WriteError { get; set; }
    public ProcessResult? Dcmdump { get; set; }
    public IReadOnlySet<string>? DciodvfyErrors { get; set; }
    public PyFile? Pydicom { get; set; }
}

/// <summary>Everything the peers and RadSeal said about one corpus file.</summary>
internal sealed class FileCase
{
    public required string Name { get; init; }
    public required string FullPath { get; init; }
    public DicomFile? File { get; set; }
    public Exception? ReadError { get; set; }
    public PyFile? Pydicom { get; set; }
    public IReadOnlySet<string>? DciodvfyErrors { get; set; }
    /// <summary>dciodvfy of the original after DCMTK's dcmconv +te: the baseline for a Deflated conversion, which
    /// dciodvfy can only check after the same dcmconv step (that step rewrites the meta group in its own way).</summary>
    public IReadOnlySet<string>? DciodvfyErrorsViaDcmconv { get; set; }
    /// <summary>dcmdump of the original, run for files rewritten in their own (encapsulated) syntax.</summary>
    public ProcessResult? Dcmdump { get; set; }
    public List<WrittenFile> Written { get; } = [];

    /// <summary>The Transfer Syntax UID the meta group declares, padding removed; null without one.</summary>
    public string? DeclaredSyntax => File?.Meta.FindElement(DicomTag.TransferSyntaxUid) is { } e
        ? System.Text.Encoding.ASCII.GetString(e.Value.GetMemory().Span).TrimEnd('\0', ' ')
        : null;
}

/// <summary>
/// Does the expensive work once per test class: RadSeal reads every corpus file and writes each readable one in every
/// uncompressed syntax (encapsulated ones in their own), then ONE python process lists originals and written files
/// with pydicom, and dcmdump/dciodvfy run over them in a few batched processes. The theories only compare.
/// </summary>
public sealed class InteropFixture : IDisposable
{
    internal static readonly TransferSyntax[] UncompressedTargets =
    [
        TransferSyntax.ExplicitVRLittleEndian,
        TransferSyntax.ImplicitVRLittleEndian,
        TransferSyntax.DeflatedExplicitVRLittleEndian,
        TransferSyntax.ExplicitVRBigEndian,
    ];

    private readonly TempDir scratch = new();

    public InteropFixture()
    {
        var cases = InteropCorpus.Names.Select(n => new FileCase { Name = n, FullPath = InteropCorpus.FullPath(n) }).ToList();
        var index = 0;
        foreach (var c in cases)
        {
            ReadAndWrite(c, index++);
        }

        var originals = cases.Select(c => c.FullPath);
        var written = cases.SelectMany(c => c.Written).Where(w => w.WriteError is null).ToList();
        var listing = PydicomListing.Run([.. originals.Concat(written.Select(w => w.Path))], scratch.Path);
        foreach (var c in cases)
        {
            c.Pydicom = listing[c.FullPath];
        }
        foreach (var w in written)
        {
            w.Pydicom = listing[w.Path];
        }

        // dciodvfy on originals RadSeal converted and on every conversion; dcmdump on every written file and on the
        // originals rewritten in their own syntax. A Deflated file goes to dciodvfy through dcmconv +te; so does the
        // original for the baseline of a Deflated conversion, so that what dcmconv changes cancels out.
        var batch = new PeerBatch(scratch.Path);
        foreach (var c in cases.Where(c => c.Written.Count > 0))
        {
            if (c.Written.Any(w => !w.Encapsulated))
            {
                if (c.File!.TransferSyntax.IsDeflated)
                {
                    batch.DciodvfyErrors(c.FullPath, viaDcmconv: true, r => c.DciodvfyErrors = c.DciodvfyErrorsViaDcmconv = r);
                }
                else
                {
                    batch.DciodvfyErrors(c.FullPath, viaDcmconv: false, r => c.DciodvfyErrors = r);
                    if (c.Written.Any(w => w.Syntax.IsDeflated))
                    {
                        batch.DciodvfyErrors(c.FullPath, viaDcmconv: true, r => c.DciodvfyErrorsViaDcmconv = r);
                    }
                }
            }
            else
            {
                batch.Dcmdump(c.FullPath, r => c.Dcmdump = r);
            }
        }
        foreach (var w in written)
        {
            batch.Dcmdump(w.Path, r => w.Dcmdump = r);
            if (!w.Encapsulated)
            {
                batch.DciodvfyErrors(w.Path, w.Syntax.IsDeflated, r => w.DciodvfyErrors = r);
            }
        }
        batch.Run();

        Cases = cases.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    internal IReadOnlyDictionary<string, FileCase> Cases { get; }

    private void ReadAndWrite(FileCase c, int index)
    {
        try
        {
            c.File = DicomFile.Open(c.FullPath);
        }
#pragma warning disable CA1031 // The theories assert on the exception type; the fixture must not fail the whole class.
        catch (Exception ex)
        {
            c.ReadError = ex;
            return;
        }
        // Encapsulated pixel data cannot be converted without a codec: such files are rewritten in their own syntax
        // (which may be an uncompressed one, where the declared syntax was contradicted by the data set).
        var own = c.File.TransferSyntax;
        var encapsulated = own.IsEncapsulated || c.File.DataSet.Find(DicomTag.PixelData) is DicomFragmentSequence;
        var targets = encapsulated ? [own] : UncompressedTargets;
        if (IsDicomDir(c.File))
        {
            // Transcoding would move the records that the directory's byte offsets (0004,1200/1202/1400/1420) point
            // at, so the writer refuses it (WriterRegressionTests); a same-syntax rewrite keeps every offset valid.
            targets = [own];
        }
        foreach (var ts in targets)
        {
            var w = new WrittenFile { Syntax = ts, Path = scratch.File($"{index:D3}-{ts.Uid}.dcm"), Encapsulated = encapsulated };
            try
            {
                c.File.Save(w.Path, encapsulated || ts == own ? WriteOptions.Default : new WriteOptions { TransferSyntax = ts });
            }
            catch (Exception ex)
            {
                w.WriteError = ex;
            }
#pragma warning restore CA1031
            c.Written.Add(w);
        }
    }

    internal static bool IsDicomDir(DicomFile file) =>
        file.DataSet.Contains(new DicomTag(0x0004, 0x1220)) ||
        (file.Meta.FindElement(new DicomTag(0x0002, 0x0002)) is { } sopClass &&
         System.Text.Encoding.ASCII.GetString(sopClass.Value.GetMemory().Span).TrimEnd('\0', ' ') == "1.2.840.10008.1.3.10");

    public void Dispose() => scratch.Dispose();
}
