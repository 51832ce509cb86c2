using Xunit.Abstractions;

namespace RadSeal.Dicom.Tests.Robustness;

/// <summary>
/// A 4 GB length claim (0xFFFFFFFE) on an OB value with a few bytes behind it: refused with DicomFormatException
/// before anything near the claim is allocated, whatever the source (file, memory, pipe, deflated data set).
/// </summary>
public class LengthClaimTests(ITestOutputHelper output)
{
    private const uint Claim = 0xFFFFFFFE;
    private const long AllocationBound = 64L * 1024 * 1024;

    private static byte[] ClaimDataSet(uint claim = Claim) => new RawWriter()
        .Explicit(0x0008, 0x0060, "CS", 2).Ascii("OT")
        .Explicit(0x0042, 0x0011, "OB", claim).Bytes(new byte[1000])
        .ToArray();

    private static byte[] ClaimFile() => Samples.WithRawDataSet(TransferSyntax.ExplicitVRLittleEndian, ClaimDataSet());

    private static byte[] DeflatedClaimFile(uint claim = Claim) =>
        Samples.WithRawDataSet(TransferSyntax.DeflatedExplicitVRLittleEndian, Samples.RawDeflate(ClaimDataSet(claim)));

    /// <summary>Runs <paramref name="read"/> on this thread, expecting a DicomFormatException; returns bytes allocated.</summary>
    private long RefusedWithin(string what, Func<DicomFile> read)
    {
        // Warm up type initialisers and pools so they are not charged to the measured attempt.
        _ = Outcome.ReadOrFormatError(read);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Record.Exception(() => read());
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{what}: allocated {allocated:N0} bytes; {ex?.GetType().Name}: {ex?.Message}");
        Assert.IsType<DicomFormatException>(ex);
        Assert.True(allocated < AllocationBound, $"{what}: the refused read allocated {allocated:N0} bytes");
        return allocated;
    }

    [Fact]
    public void Claim_in_a_memory_stream()
    {
        var bytes = ClaimFile();
        RefusedWithin("seekable MemoryStream", () => DicomFile.Read(new MemoryStream(bytes)));
    }

    [Fact]
    public void Claim_in_a_file_on_disk()
    {
        using var dir = new TempDir();
        var path = dir.File("claim.dcm");
        File.WriteAllBytes(path, ClaimFile());
        RefusedWithin("DicomFile.Open (deferring)", () => DicomFile.Open(path));
        RefusedWithin("DicomFile.Open (no deferral)", () => DicomFile.Open(path, new ReadOptions { DeferThreshold = long.MaxValue }));
    }

    [Fact]
    public void Claim_in_a_non_seekable_stream()
    {
        var bytes = ClaimFile();
        RefusedWithin("non-seekable stream", () => DicomFile.Read(new NonSeekableStream(new MemoryStream(bytes))));
    }

    [Fact]
    public void Claim_in_a_non_seekable_stream_without_a_memory_bound()
    {
        // With MaxBytesInMemory lifted the length check cannot refuse up front: the reader must still only
        // allocate as data actually arrives.
        var bytes = ClaimFile();
        var unbounded = new ReadOptions { MaxBytesInMemory = long.MaxValue };
        RefusedWithin("non-seekable stream, MaxBytesInMemory unbounded", () => DicomFile.Read(new NonSeekableStream(new MemoryStream(bytes)), unbounded));
        var almost2G = Samples.WithRawDataSet(TransferSyntax.ExplicitVRLittleEndian, ClaimDataSet(0x7FFF_FF00));
        RefusedWithin("non-seekable stream, 2 GB claim, unbounded", () => DicomFile.Read(new NonSeekableStream(new MemoryStream(almost2G)), unbounded));
    }

    [Fact]
    public void Claim_in_a_deflated_data_set()
    {
        var bytes = DeflatedClaimFile();
        RefusedWithin("deflated, MemoryStream", () => DicomFile.Read(new MemoryStream(bytes)));
        RefusedWithin("deflated, non-seekable", () => DicomFile.Read(new NonSeekableStream(new MemoryStream(bytes))));
        var unbounded = new ReadOptions { MaxBytesInMemory = long.MaxValue };
        RefusedWithin("deflated, MaxBytesInMemory unbounded", () => DicomFile.Read(new MemoryStream(bytes), unbounded));
        var almost2G = DeflatedClaimFile(0x7FFF_FF00);
        RefusedWithin("deflated, 2 GB claim, unbounded", () => DicomFile.Read(new MemoryStream(almost2G), unbounded));
    }

    [Fact]
    public void Claim_in_a_deflated_file_on_disk()
    {
        using var dir = new TempDir();
        var path = dir.File("claim-deflated.dcm");
        File.WriteAllBytes(path, DeflatedClaimFile());
        RefusedWithin("deflated, DicomFile.Open", () => DicomFile.Open(path));
    }

    [Fact]
    public void Claim_on_a_sequence_item_and_a_fragment()
    {
        var sequence = new RawWriter()
            .Explicit(0x0008, 0x1140, "SQ", Claim).Item(Claim).Bytes(new byte[100]).ToArray();
        var fragment = new RawWriter()
            .Explicit(0x7FE0, 0x0010, "OB", 0xFFFFFFFF).Item(0).Item(Claim).Bytes(new byte[100]).ToArray();
        var undefinedSequence = new RawWriter()
            .Explicit(0x0008, 0x1140, "SQ", 0xFFFFFFFF).Item(Claim).Bytes(new byte[100]).ToArray();
        foreach (var (name, syntax, raw) in new[]
        {
            ("sequence", TransferSyntax.ExplicitVRLittleEndian, sequence),
            ("fragment", TransferSyntax.JpegBaseline, fragment),
            ("item in undefined-length sequence", TransferSyntax.ExplicitVRLittleEndian, undefinedSequence),
        })
        {
            var bytes = Samples.WithRawDataSet(syntax, raw);
            RefusedWithin(name + ", MemoryStream", () => DicomFile.Read(new MemoryStream(bytes)));
            RefusedWithin(name + ", non-seekable", () => DicomFile.Read(new NonSeekableStream(new MemoryStream(bytes))));
        }
    }
}
