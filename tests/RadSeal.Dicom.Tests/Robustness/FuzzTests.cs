using System.Globalization;

namespace RadSeal.Dicom.Tests.Robustness;

/// <summary>
/// Seeded random garbage and random byte flips of valid files: every read must succeed or throw
/// DicomFormatException, and whatever reads must write (or refuse with DicomEncodingException) and read back.
/// </summary>
/// <remarks>
/// The number of byte-flip cases is the environment variable RADSEAL_FUZZ_CASES (default 2000, which keeps the suite
/// fast); a long soak is <c>bash scripts/fuzz.sh [CASES]</c>. RADSEAL_FUZZ_SEED picks the seed (default fixed, so runs
/// repeat); a failure names its case seed.
/// </remarks>
public class FuzzTests
{
    private static int Cases => int.TryParse(Environment.GetEnvironmentVariable("RADSEAL_FUZZ_CASES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 2000;

    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("RADSEAL_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 20240229;

    private static readonly Lazy<byte[][]> Originals = new(() =>
    [
        Samples.File(TransferSyntax.ExplicitVRLittleEndian),
        Samples.File(TransferSyntax.ImplicitVRLittleEndian),
        Samples.File(TransferSyntax.ExplicitVRBigEndian),
        Samples.File(TransferSyntax.DeflatedExplicitVRLittleEndian),
        File.ReadAllBytes(Samples.PydicomFile("CT_small.dcm")),
        File.ReadAllBytes(Samples.PydicomFile("image_dfl.dcm")),
        File.ReadAllBytes(Samples.PydicomFile("JPEG2000.dcm")),
        File.ReadAllBytes(Samples.PydicomFile("nested_priv_SQ.dcm")),
    ]);

    /// <summary>Reads; where that works, writes to memory and reads the written bytes back, which must work.</summary>
    private static void Check(byte[] input, string what)
    {
        DicomFile? file;
        try
        {
            file = Outcome.ReadOrFormatError(() => DicomFile.Read(new MemoryStream(input, writable: false)));
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{what}: reading threw {ex.GetType().Name} instead of DicomFormatException: {ex}");
        }
        try
        {
            // The same bytes from a pipe: other code paths (no up-front length checks, growing buffers, replayed
            // deflate input), the same rule.
            var piped = Outcome.ReadOrFormatError(() => DicomFile.Read(new NonSeekableStream(new MemoryStream(input, writable: false))));
            if (piped is not null)
            {
                Outcome.Touch(piped.DataSet);
            }
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{what}: reading from a non-seekable stream threw {ex.GetType().Name}: {ex}");
        }
        if (file is null)
        {
            return;
        }
        Outcome.Touch(file.DataSet);
        byte[] written;
        try
        {
            using var ms = new MemoryStream();
            file.Save(ms);
            written = ms.ToArray();
        }
        catch (DicomEncodingException)
        {
            return;
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{what}: writing what was read threw {ex.GetType().Name}: {ex}");
        }
        try
        {
            var again = DicomFile.Read(new MemoryStream(written));
            Assert.Equal(file.DataSet.Select(x => x.Tag), again.DataSet.Select(x => x.Tag));
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{what}: the rewritten file does not read back: {ex}");
        }
    }

    [Fact]
    public void Random_byte_flips_of_valid_files()
    {
        var originals = Originals.Value;
        var master = new Random(Seed);
        var cases = Cases;
        Outcome.WithinTime(TimeSpan.FromSeconds(Math.Max(60, cases / 20.0)), () =>
        {
            for (var c = 0; c < cases; c++)
            {
                var caseSeed = master.Next();
                var rng = new Random(caseSeed);
                var index = c % originals.Length;
                var bytes = (byte[])originals[index].Clone();
                var flips = rng.Next(1, 9);
                for (var f = 0; f < flips; f++)
                {
                    // Favour the first kilobytes, where the headers and lengths are.
                    var at = rng.Next(3) == 0 ? rng.Next(bytes.Length) : rng.Next(Math.Min(bytes.Length, 1024));
                    bytes[at] = rng.Next(4) switch
                    {
                        0 => (byte)(bytes[at] ^ (1 << rng.Next(8))),
                        1 => 0xFF,
                        2 => 0x00,
                        _ => (byte)rng.Next(256),
                    };
                }
                Check(bytes, $"flip case {c} (original {index}, case seed {caseSeed})");
            }
        });
    }

    [Fact]
    public void Random_byte_flips_opened_from_disk_and_saved()
    {
        // DicomFile.Open defers values of DeferThreshold bytes and more; Save then copies them from the file.
        using var dir = new TempDir();
        var input = dir.File("in.dcm");
        var output = dir.File("out.dcm");
        var originals = Originals.Value;
        var master = new Random(Seed + 3);
        var options = new ReadOptions { DeferThreshold = 64 };
        Outcome.WithinTime(TimeSpan.FromSeconds(60), () =>
        {
            for (var c = 0; c < 300; c++)
            {
                var caseSeed = master.Next();
                var rng = new Random(caseSeed);
                var bytes = (byte[])originals[c % originals.Length].Clone();
                for (var f = rng.Next(1, 5); f > 0; f--)
                {
                    bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
                }
                File.WriteAllBytes(input, bytes);
                var what = $"open case {c} (case seed {caseSeed})";
                DicomFile? file;
                try
                {
                    file = Outcome.ReadOrFormatError(() => DicomFile.Open(input, options));
                }
                catch (Exception ex)
                {
                    throw new Xunit.Sdk.XunitException($"{what}: Open threw {ex.GetType().Name}: {ex}");
                }
                if (file is null)
                {
                    continue;
                }
                try
                {
                    file.Save(output);
                }
                catch (DicomEncodingException)
                {
                    Assert.False(File.Exists(output), $"{what}: a failed Save left {output}");
                    continue;
                }
                var again = DicomFile.Open(output);
                Assert.Equal(file.DataSet.Select(x => x.Tag), again.DataSet.Select(x => x.Tag));
                File.Delete(output);
            }
        });
    }

    [Fact]
    public void Random_garbage()
    {
        var master = new Random(Seed + 1);
        Outcome.WithinTime(TimeSpan.FromSeconds(60), () =>
        {
            for (var c = 0; c < 600; c++)
            {
                var caseSeed = master.Next();
                var rng = new Random(caseSeed);
                var bytes = new byte[rng.Next(0, 3000)];
                rng.NextBytes(bytes);
                switch (c % 3)
                {
                    case 1 when bytes.Length >= 140:
                        // Garbage behind a real preamble marker and a plausible meta group start.
                        "DICM"u8.CopyTo(bytes.AsSpan(128));
                        bytes[132] = 0x02;
                        bytes[133] = 0x00;
                        break;
                    case 2 when bytes.Length >= 8:
                        // Garbage that starts like a bare data set element.
                        bytes[0] = 0x08;
                        bytes[1] = 0x00;
                        break;
                }
                Check(bytes, $"garbage case {c} (case seed {caseSeed})");
            }
        });
    }

    [Fact]
    public void Spliced_chunks_of_valid_files()
    {
        // Whole files with a random stretch repeated or removed: lengths stop matching content.
        var originals = Originals.Value;
        var master = new Random(Seed + 2);
        Outcome.WithinTime(TimeSpan.FromSeconds(60), () =>
        {
            for (var c = 0; c < 400; c++)
            {
                var caseSeed = master.Next();
                var rng = new Random(caseSeed);
                var source = originals[c % originals.Length];
                var start = rng.Next(source.Length);
                var length = rng.Next(1, Math.Min(64, source.Length - start) + 1);
                var spliced = rng.Next(2) == 0
                    ? [.. source[..(start + length)], .. source[start..]]
                    : source[..start].Concat(source[(start + length)..]).ToArray();
                Check(spliced, $"splice case {c} (case seed {caseSeed})");
            }
        });
    }
}
