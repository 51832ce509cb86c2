using FsCheck;
using FsCheck.Fluent;

namespace RadSeal.Watermark.Tests;

public class CodingTests
{
    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property Reed_solomon_recovers_up_to_nsym_erasures(byte[] message, int nsymSeed, int seed)
    {
        var data = message.Length is > 0 and < 120 ? message : [1, 2, 3];
        var nsym = 1 + Math.Abs(nsymSeed % 60);
        var codeword = ReedSolomon.Encode(data, nsym);
        var random = new Random(seed);
        var count = random.Next(0, nsym + 1);
        var erasures = Enumerable.Range(0, codeword.Length).OrderBy(_ => random.Next()).Take(count).ToList();
        var damaged = (byte[])codeword.Clone();
        foreach (var p in erasures)
        {
            damaged[p] ^= (byte)random.Next(1, 256);
        }
        return (ReedSolomon.TryDecodeErasures(damaged, nsym, erasures) && damaged.AsSpan().SequenceEqual(codeword)).ToProperty();
    }

    [Fact]
    public void Reed_solomon_refuses_too_many_erasures_and_unflagged_errors()
    {
        var codeword = ReedSolomon.Encode("RadSeal"u8, 4);
        Assert.False(ReedSolomon.TryDecodeErasures((byte[])codeword.Clone(), 4, [0, 1, 2, 3, 4]));
        var wrong = (byte[])codeword.Clone();
        wrong[8] ^= 0x40;
        Assert.False(ReedSolomon.TryDecodeErasures(wrong, 4, [0]));
    }

    [FsCheck.Xunit.Property(MaxTest = 100)]
    public Property Record_stream_survives_losing_blocks_that_carried_a_fifth(byte[] record, int blocksSeed, int seed)
    {
        var blocks = 4 + Math.Abs(blocksSeed % 300);
        var layout = RecordStream.For(record.Length, 6)!;
        var stream = layout.Encode(record);
        var random = new Random(seed);
        var weights = Enumerable.Range(0, blocks).Select(_ => random.NextDouble() < 0.3 ? 0 : random.NextDouble() * 100).ToArray();
        var counts = RecordStream.Allocate(layout.Length, weights, 16, Enumerable.Repeat(int.MaxValue, blocks).ToArray());
        var erased = new bool[layout.Length];
        var offset = 0;
        var lost = 0;
        // Blocks carry contiguous runs in order; lose random blocks while they carried at most a fifth of the stream (parity is a third).
        var starts = counts.Select(c => (offset += c) - c).ToArray();
        foreach (var b in Enumerable.Range(0, blocks).OrderBy(_ => random.Next()))
        {
            if (lost + counts[b] > layout.Length / 5)
            {
                continue;
            }
            lost += counts[b];
            erased.AsSpan(starts[b], counts[b]).Fill(true);
            stream.AsSpan(starts[b], counts[b]).Fill(0xA5);
        }
        return (counts.Sum() == layout.Length && counts.Max() <= (layout.Length + Math.Min(16, blocks) - 1) / Math.Min(16, blocks)
            && layout.Decode(stream, erased) is { } decoded && decoded.AsSpan().SequenceEqual(record)).ToProperty();
    }

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property Location_map_round_trips(bool[] entries)
    {
        var bits = LocationMap.Encode(entries.Select(e => e ? (byte)1 : (byte)0).ToArray());
        var reader = new LocationMap.Reader(bits, 0, bits.Count);
        foreach (var expected in entries)
        {
            if (!reader.TryNext(out var actual) || actual != expected)
            {
                return false.ToProperty();
            }
        }
        return true.ToProperty();
    }

    [Fact]
    public void Location_map_of_long_runs_is_small()
    {
        var entries = Enumerable.Repeat(true, 500).Concat([false]).Concat(Enumerable.Repeat(true, 300)).ToArray();
        Assert.True(LocationMap.Encode(entries.Select(e => e ? (byte)1 : (byte)0).ToArray()).Count < 40);
    }
}
