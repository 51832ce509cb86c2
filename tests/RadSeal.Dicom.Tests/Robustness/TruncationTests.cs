namespace RadSeal.Dicom.Tests.Robustness;

/// <summary>
/// A file cut at any byte either reads (the cut fell between top-level elements: a valid shorter data set) or fails
/// with <see cref="DicomFormatException"/>; never another exception, never a hang.
/// </summary>
public class TruncationTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Reads every prefix of <paramref name="bytes"/> from memory; returns how many prefixes read successfully.</summary>
    private static int ReadEveryPrefix(byte[] bytes, Func<Stream, Stream>? wrap = null)
    {
        var successes = 0;
        Outcome.WithinTime(Limit, () =>
        {
            for (var n = 0; n <= bytes.Length; n++)
            {
                var ms = new MemoryStream(bytes, 0, n, writable: false);
                using var stream = wrap is null ? ms : wrap(ms);
                var file = Outcome.ReadOrFormatError(() => DicomFile.Read(stream));
                if (file is not null)
                {
                    Outcome.Touch(file.DataSet);
                    successes++;
                }
            }
        });
        return successes;
    }

    [Fact]
    public void Sample_explicit_little_endian_cut_at_every_byte()
    {
        var bytes = Samples.File(TransferSyntax.ExplicitVRLittleEndian);
        Assert.InRange(bytes.Length, 2000, 8000);
        var ok = ReadEveryPrefix(bytes);
        // At least the whole file and the cuts between top-level elements read.
        Assert.True(ok >= 20, $"only {ok} prefixes read");
    }

    [Fact]
    public void Sample_in_other_syntaxes_cut_at_every_byte()
    {
        foreach (var syntax in new[] { TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.ExplicitVRBigEndian, TransferSyntax.DeflatedExplicitVRLittleEndian })
        {
            var bytes = Samples.File(syntax);
            var ok = ReadEveryPrefix(bytes);
            Assert.True(ok >= 1, $"{syntax.Name}: no prefix read, not even the whole file");
        }
    }

    [Fact]
    public void Sample_cut_at_every_byte_from_a_non_seekable_stream()
    {
        var bytes = Samples.File(TransferSyntax.ExplicitVRLittleEndian);
        ReadEveryPrefix(bytes, s => new NonSeekableStream(s));
        ReadEveryPrefix(Samples.File(TransferSyntax.DeflatedExplicitVRLittleEndian), s => new NonSeekableStream(s));
    }

    [Fact]
    public void Whole_prefixes_read_back_exactly_the_leading_elements()
    {
        // Cutting exactly between top-level elements gives the data set of those elements, nothing invented.
        var dataSet = Samples.DataSet();
        var full = Samples.File(TransferSyntax.ExplicitVRLittleEndian);
        var dataSetStart = full.Length - (int)DicomEncoder.EncodedLength(dataSet, TransferSyntax.ExplicitVRLittleEndian);
        var cut = dataSetStart;
        var expected = 0;
        foreach (var item in dataSet)
        {
            var file = DicomFile.Read(new MemoryStream(full, 0, cut, writable: false));
            Assert.Equal(expected, file.DataSet.Count);
            Assert.Equal(dataSet.Take(expected).Select(x => x.Tag), file.DataSet.Select(x => x.Tag));
            cut += (int)DicomEncoder.EncodedLength(item, TransferSyntax.ExplicitVRLittleEndian);
            expected++;
        }
    }

    [Fact]
    public void Pydicom_CT_small_cut_at_every_byte()
    {
        var bytes = File.ReadAllBytes(Samples.PydicomFile("CT_small.dcm"));
        var ok = ReadEveryPrefix(bytes);
        Assert.True(ok >= 10, $"only {ok} prefixes read");
    }

    [Fact]
    public void Pydicom_deflated_image_cut_at_every_byte()
    {
        var bytes = File.ReadAllBytes(Samples.PydicomFile("image_dfl.dcm"));
        var whole = DicomFile.Read(new MemoryStream(bytes));
        Assert.True(whole.TransferSyntax.IsDeflated);
        ReadEveryPrefix(bytes);
    }

    [Fact]
    public void Truncated_files_on_disk_read_with_deferred_values_or_fail_cleanly()
    {
        // DicomFile.Open leaves values of DeferThreshold bytes and more in the file: cut files exercise that path.
        using var dir = new TempDir();
        var options = new ReadOptions { DeferThreshold = 32 };
        var sources = new[]
        {
            Samples.File(TransferSyntax.ExplicitVRLittleEndian),
            Samples.File(TransferSyntax.ExplicitVRBigEndian),
            File.ReadAllBytes(Samples.PydicomFile("CT_small.dcm")),
        };
        var path = dir.File("cut.dcm");
        var deferredSeen = 0;
        Outcome.WithinTime(Limit, () =>
        {
            foreach (var bytes in sources)
            {
                // Every 7th offset, plus the whole file and the last few bytes (cuts inside the final value).
                var offsets = Enumerable.Range(0, bytes.Length / 7).Select(i => i * 7)
                    .Concat(Enumerable.Range(bytes.Length - 16, 17));
                foreach (var n in offsets)
                {
                    File.WriteAllBytes(path, bytes.AsSpan(0, n).ToArray());
                    var file = Outcome.ReadOrFormatError(() => DicomFile.Open(path, options));
                    if (file is null)
                    {
                        continue;
                    }
                    if (file.DataSet.Any(x => x is DicomElement { Value.IsDeferred: true }))
                    {
                        deferredSeen++;
                    }
                    Outcome.Touch(file.DataSet);
                }
            }
        });
        Assert.True(deferredSeen > 0, "no truncated file kept a deferred value: the deferred path was not exercised");
    }
}
