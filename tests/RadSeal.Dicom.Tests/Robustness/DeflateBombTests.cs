namespace RadSeal.Dicom.Tests.Robustness;

/// <summary>A deflated data set of a few kilobytes that inflates past ReadOptions.MaxBytesInMemory is refused.</summary>
public class DeflateBombTests
{
    private const long Limit = 16L * 1024 * 1024;
    private static readonly ReadOptions Options = new() { MaxBytesInMemory = Limit };

    private static byte[] Bomb(byte[] dataSet)
    {
        var compressed = Samples.RawDeflate(dataSet);
        return Samples.WithRawDataSet(TransferSyntax.DeflatedExplicitVRLittleEndian, compressed);
    }

    private static void Refused(byte[] file, int maxCompressed, long allocationBound = 2 * Limit)
    {
        Assert.True(file.Length < maxCompressed, $"the bomb is {file.Length} bytes");
        foreach (var seekable in new[] { true, false })
        {
            long allocated = 0;
            Outcome.WithinTime(TimeSpan.FromSeconds(30), () =>
            {
                Stream stream = new MemoryStream(file);
                if (!seekable)
                {
                    stream = new NonSeekableStream(stream);
                }
                var before = GC.GetAllocatedBytesForCurrentThread();
                Assert.Throws<DicomFormatException>(() => DicomFile.Read(stream, Options));
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            });
            Assert.True(allocated < allocationBound, $"the refused bomb allocated {allocated:N0} bytes");
        }
    }

    [Fact]
    public void One_huge_zero_value()
    {
        // 24 MB of zeros in one OB value.
        const int size = 24 * 1024 * 1024;
        var dataSet = new byte[12 + size];
        new RawWriter().Explicit(0x0042, 0x0011, "OB", size).ToArray().CopyTo(dataSet, 0);
        Refused(Bomb(dataSet), 64 * 1024);
    }

    [Fact]
    public void Millions_of_empty_elements()
    {
        // 2.5 million copies of one 8-byte empty element header (20 MB inflated): no value is large, so only the
        // bound on the inflated stream itself stops it.
        var one = new RawWriter().Explicit(0x0009, 0x1001, "LO", 0).ToArray();
        var dataSet = new byte[one.Length * 2_500_000];
        for (var i = 0; i < dataSet.Length; i += one.Length)
        {
            one.CopyTo(dataSet, i);
        }
        // Each header read makes a short-lived element object (about 80 MB of garbage in all before the bound
        // stops it); what must hold is the refusal, not the churn.
        Refused(Bomb(dataSet), 64 * 1024, allocationBound: 256L * 1024 * 1024);
    }

    [Fact]
    public void Many_small_values()
    {
        // 1 KB values under 20,000 different private tags: about 20 MB in memory if all were kept.
        var w = new RawWriter().Explicit(0x0009, 0x0010, "LO", 4).Ascii("ACME");
        var value = new byte[1024];
        for (var i = 0; i < 20_000; i++)
        {
            var group = (ushort)(0x0011 + 2 * (i / 0xF0));
            w.Explicit(group, (ushort)(0x1000 + i % 0xF0), "OB", (uint)value.Length).Bytes(value);
        }
        Refused(Bomb(w.ToArray()), 128 * 1024);
    }

    [Fact]
    public void Reading_within_the_bound_still_works()
    {
        const int size = 4 * 1024 * 1024;
        var dataSet = new byte[12 + size];
        new RawWriter().Explicit(0x0042, 0x0011, "OB", size).ToArray().CopyTo(dataSet, 0);
        var file = DicomFile.Read(new MemoryStream(Bomb(dataSet)), Options);
        Assert.Equal(size, file.DataSet.FindElement(DicomTags.EncapsulatedDocument)!.Length);
    }
}
