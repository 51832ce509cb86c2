namespace RadSeal.Dicom.Tests.Robustness;

/// <summary>Hostile nesting: refused at ReadOptions.MaxDepth with a message naming the depth, in bounded memory and stack.</summary>
public class NestingTests
{
    private const int Depth = 10_000;

    /// <summary>10,000 undefined-length sequences each in an undefined-length item, properly closed.</summary>
    private static byte[] DeepExplicit(string vr = "SQ")
    {
        var w = new RawWriter();
        for (var i = 0; i < Depth; i++)
        {
            w.Explicit(0x0040, 0xA730, vr, 0xFFFFFFFF).Item(0xFFFFFFFF);
        }
        for (var i = 0; i < Depth; i++)
        {
            w.ItemEnd().SequenceEnd();
        }
        return w.ToArray();
    }

    private static byte[] DeepImplicit(ushort group)
    {
        var w = new RawWriter();
        for (var i = 0; i < Depth; i++)
        {
            w.Implicit(group, 0x1010, 0xFFFFFFFF).Item(0xFFFFFFFF);
        }
        for (var i = 0; i < Depth; i++)
        {
            w.ItemEnd().SequenceEnd();
        }
        return w.ToArray();
    }

    private static void RefusedAtMaxDepth(byte[] file, ReadOptions? options = null)
    {
        var maxDepth = (options ?? ReadOptions.Default).MaxDepth;
        foreach (var seekable in new[] { true, false })
        {
            DicomFormatException? ex = null;
            long allocated = 0;
            Outcome.WithinTime(TimeSpan.FromSeconds(30), () =>
            {
                Stream stream = new MemoryStream(file);
                if (!seekable)
                {
                    stream = new NonSeekableStream(stream);
                }
                var before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    DicomFile.Read(stream, options);
                }
                catch (DicomFormatException e)
                {
                    ex = e;
                }
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            });
            Assert.NotNull(ex);
            Assert.Contains(maxDepth.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
            Assert.Contains("deep", ex.Message, StringComparison.Ordinal);
            Assert.True(allocated < 16L * 1024 * 1024, $"the refused read allocated {allocated} bytes");
        }
    }

    [Fact]
    public void Ten_thousand_nested_sequences_in_explicit_VR()
    {
        RefusedAtMaxDepth(Samples.WithRawDataSet(TransferSyntax.ExplicitVRLittleEndian, DeepExplicit()));
    }

    [Fact]
    public void Ten_thousand_nested_undefined_length_UN_sequences()
    {
        // Undefined-length UN switches to implicit VR inside; the explicit header still comes first at each level.
        var w = new RawWriter().Explicit(0x0009, 0x0010, "LO", 4).Ascii("ACME");
        w.Explicit(0x0009, 0x1010, "UN", 0xFFFFFFFF).Item(0xFFFFFFFF);
        for (var i = 1; i < Depth; i++)
        {
            w.Implicit(0x0009, 0x1010, 0xFFFFFFFF).Item(0xFFFFFFFF);
        }
        RefusedAtMaxDepth(Samples.WithRawDataSet(TransferSyntax.ExplicitVRLittleEndian, w.ToArray()));
    }

    [Fact]
    public void Ten_thousand_nested_private_sequences_in_implicit_VR()
    {
        RefusedAtMaxDepth(Samples.WithRawDataSet(TransferSyntax.ImplicitVRLittleEndian, DeepImplicit(0x0009)));
    }

    [Fact]
    public void Ten_thousand_nested_sequences_in_a_deflated_data_set()
    {
        var compressed = Samples.RawDeflate(DeepExplicit());
        RefusedAtMaxDepth(Samples.WithRawDataSet(TransferSyntax.DeflatedExplicitVRLittleEndian, compressed));
    }

    [Fact]
    public void A_lower_MaxDepth_is_honoured()
    {
        RefusedAtMaxDepth(Samples.WithRawDataSet(TransferSyntax.ExplicitVRLittleEndian, DeepExplicit()), new ReadOptions { MaxDepth = 5 });
    }

    [Fact]
    public void Nesting_just_within_MaxDepth_reads()
    {
        // 128 levels deep is allowed by default and reads back with every level present.
        var w = new RawWriter();
        const int levels = 128;
        for (var i = 0; i < levels; i++)
        {
            w.Explicit(0x0040, 0xA730, "SQ", 0xFFFFFFFF).Item(0xFFFFFFFF);
        }
        for (var i = 0; i < levels; i++)
        {
            w.ItemEnd().SequenceEnd();
        }
        var file = DicomFile.Read(new MemoryStream(Samples.WithRawDataSet(TransferSyntax.ExplicitVRLittleEndian, w.ToArray())));
        var depth = 0;
        var current = file.DataSet;
        while (current.FindSequence(DicomTags.ContentSequence) is { } sq)
        {
            depth++;
            current = sq.Items.Single();
        }
        Assert.Equal(levels, depth);
        Assert.Throws<DicomFormatException>(() =>
            DicomFile.Read(new MemoryStream(Samples.WithRawDataSet(TransferSyntax.ExplicitVRLittleEndian, w.ToArray())), new ReadOptions { MaxDepth = levels - 1 }));
    }
}
