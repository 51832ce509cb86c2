using Xunit.Abstractions;

namespace RadSeal.Dicom.Tests.Interop;

/// <summary>
/// The codec against real peers over pydicom's bundled test files: RadSeal reads what pydicom reads with the same
/// elements and values; what RadSeal writes, dcmdump and pydicom read back with the same values; converting never adds
/// dciodvfy errors; and rewriting in a file's own syntax gives back its bytes.
/// </summary>
public sealed class PeerInteropTests(InteropFixture fixture, ITestOutputHelper output) : IClassFixture<InteropFixture>
{
    public static TheoryData<string> Files => InteropCorpus.All();

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_the_same_elements_and_values_as_pydicom(string name)
    {
        var c = fixture.Cases[name];
        var py = c.Pydicom!;
        if (!py.Ok)
        {
            AssertRejected(c, $"pydicom rejects it even with force=True ({py.Error})");
            return;
        }
        if (py.Truncated)
        {
            // pydicom does not check a length field against the bytes left: it returns the short read. PS3.5 7.1.1 makes
            // the Value Length the exact number of bytes of the value, so a value running past the end of the file
            // means a truncated (or not DICOM) file, which RadSeal must refuse rather than guess at.
            AssertRejected(c, "a value runs past the end of the file (pydicom returned a short read for " +
                string.Join(", ", py.Elements.Where(e => e.Short).Select(e => e.Path)) + ")");
            return;
        }
        Assert.True(c.ReadError is null, $"RadSeal could not read a file pydicom reads (plain dcmread: {py.Plain}): {c.ReadError}");
        Assert.True(py.WalkError is null, $"The pydicom listing failed: {py.WalkError}");
        var problems = Comparison.ReadsLikePydicom(c.File!, py);
        Assert.True(problems.Count == 0, Comparison.Report(name, problems));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Files_RadSeal_writes_are_read_back_by_dcmdump_and_pydicom_with_the_same_values(string name)
    {
        var c = fixture.Cases[name];
        if (!IsReadable(c))
        {
            return; // Nothing to write; Reads_the_same_elements_and_values_as_pydicom checks the refusal.
        }
        var problems = new List<string>();
        foreach (var w in c.Written)
        {
            var label = $"{w.Syntax.Name}{(w.Encapsulated ? " (own syntax)" : "")}";
            if (w.WriteError is not null)
            {
                problems.Add($"{label}: RadSeal could not write it: {w.WriteError.GetType().Name}: {w.WriteError.Message}");
                continue;
            }
            var dumpErrors = DcmdumpErrors(w.Dcmdump!);
            if (dumpErrors.Count > 0)
            {
                if (w.Encapsulated && c.Dcmdump is { } before && DcmdumpErrors(before).Count > 0)
                {
                    // An own-syntax rewrite keeps the input as it was (byte for byte, see the last theory): where dcmdump
                    // already fails on the input, it is the input's fault, e.g. SC_rgb_jpeg.dcm declares JPEG Baseline
                    // (explicit VR, PS3.5 A.4) but holds an implicit VR data set, which pydicom detects and DCMTK not.
                    output.WriteLine($"{label}: dcmdump fails on the input as on the rewrite: {string.Join(" / ", DcmdumpErrors(before).Take(3))}");
                }
                else
                {
                    problems.Add($"{label}: dcmdump: {string.Join(" / ", dumpErrors.Take(5))}");
                }
            }
            var py = w.Pydicom!;
            if (!py.Ok || !py.Plain || py.Truncated || py.WalkError is not null)
            {
                problems.Add($"{label}: pydicom does not read it cleanly: {py.PlainError ?? py.Error ?? py.WalkError ?? "a value runs past the end"}");
                continue;
            }
            // A rewrite in the file's own syntax keeps the meta group as it was.
            var expected = w.Encapsulated ? c.DeclaredSyntax ?? w.Syntax.Uid : w.Syntax.Uid;
            var ts = py.Elements.FirstOrDefault(e => e.Path == "00020010")?.Text?.FirstOrDefault();
            if (ts != expected)
            {
                problems.Add($"{label}: the written meta says transfer syntax {ts}, expected {expected}");
            }
            problems.AddRange(Comparison.SameValues(c.Pydicom!, py, w.Syntax).Select(d => $"{label}: {d}"));
        }
        Assert.True(problems.Count == 0, Comparison.Report(name, problems));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Converting_to_each_uncompressed_syntax_adds_no_dciodvfy_errors(string name)
    {
        var c = fixture.Cases[name];
        if (!IsReadable(c) || c.DciodvfyErrors is null)
        {
            return; // Unreadable or encapsulated: nothing was converted.
        }
        output.WriteLine(c.DciodvfyErrors.Count == 0 ? "The original passes dciodvfy." : $"The original has {c.DciodvfyErrors.Count} dciodvfy error(s):");
        foreach (var e in c.DciodvfyErrors)
        {
            output.WriteLine("  " + e);
        }
        var problems = new List<string>();
        foreach (var w in c.Written.Where(w => w.WriteError is null && w.DciodvfyErrors is not null))
        {
            var baseline = w.Syntax.IsDeflated ? c.DciodvfyErrorsViaDcmconv! : c.DciodvfyErrors;
            foreach (var e in w.DciodvfyErrors!.Except(baseline))
            {
                problems.Add($"{w.Syntax.Name}: new dciodvfy error: {e}");
            }
        }
        Assert.True(problems.Count == 0, Comparison.Report(name, problems));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Rewriting_in_its_own_syntax_gives_back_the_input_bytes(string name)
    {
        var c = fixture.Cases[name];
        if (!IsReadable(c))
        {
            return; // Unreadable: Reads_the_same_elements_and_values_as_pydicom checks the refusal.
        }
        var input = File.ReadAllBytes(c.FullPath);
        using var stream = new MemoryStream();
        c.File!.Save(stream);
        var written = stream.ToArray();
        var verdict = ByteComparison.Check(c.File, input, written);
        output.WriteLine(verdict.Note);
        Assert.True(verdict.Same, $"{name}: {verdict.Note}");
        if (verdict.GroupLengths is { Count: > 0 } recomputed)
        {
            // The input's group lengths were wrong: the writer's must be those DCMTK computes (dcmconv +g).
            using var temp = new TempDir();
            Peers.Run("dcmconv", "+g", c.FullPath, temp.File("g.dcm")).EnsureSuccess("dcmconv +g");
            var dump = Peers.Run("dcmdump", temp.File("g.dcm")).EnsureSuccess("dcmdump").Stdout;
            var dcmtk = System.Text.RegularExpressions.Regex.Matches(dump, @"^\(([0-9a-f]{4}),0000\) UL (\d+)", System.Text.RegularExpressions.RegexOptions.Multiline)
                .ToDictionary(m => Convert.ToUInt16(m.Groups[1].Value, 16), m => uint.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
            foreach (var (group, value) in recomputed)
            {
                Assert.True(dcmtk.TryGetValue(group, out var expected) && expected == value,
                    $"{name}: group length ({group:X4},0000) written as {value}, DCMTK computes {(dcmtk.TryGetValue(group, out var d) ? d : null)}");
            }
        }
    }

    /// <summary>dcmdump's error lines ("E: ..."), with a line for a non-zero exit.</summary>
    private static List<string> DcmdumpErrors(ProcessResult r)
    {
        var errors = (r.Stdout + "\n" + r.Stderr).Split('\n').Where(l => l.StartsWith("E:", StringComparison.Ordinal)).ToList();
        if (r.ExitCode != 0)
        {
            errors.Insert(0, $"exit code {r.ExitCode}");
        }
        return errors;
    }

    /// <summary>RadSeal read it and so did pydicom (the refusals are checked by the first theory).</summary>
    private static bool IsReadable(FileCase c) => c.File is not null && c.Pydicom is { Ok: true, Truncated: false };

    private static void AssertRejected(FileCase c, string why)
    {
        Assert.True(c.ReadError is DicomFormatException,
            $"Expected RadSeal to refuse the file with DicomFormatException because {why}, but " +
            (c.ReadError is null ? "it was read." : $"it threw {c.ReadError}"));
        Assert.False(string.IsNullOrWhiteSpace(c.ReadError!.Message));
    }
}
