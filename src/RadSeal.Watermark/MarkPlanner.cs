using System.Numerics;

namespace RadSeal.Watermark;

/// <summary>The grid a mark uses and how many record-stream symbols each block carries.</summary>
internal sealed record MarkPlan(BlockGrid Grid, RecordStream Stream, int Carriers, int[] RecordSymbols, double EstimatedChangedShare);

/// <summary>
/// Chooses the block size and spreads the record stream so the mark stays small: the finest grid whose estimated
/// distortion (every change ±1) stays within <see cref="ChangedBudget"/> of the pixels, else the least distorting grid;
/// record symbols go, by water-filling on the estimated marginal cost, to the blocks where room is cheap (flat air,
/// collimator shadow). No block carries more than 1/k of the stream and the Reed–Solomon parity is set so that losing
/// any <see cref="LostBlocks"/> blocks (a quarter of the blocks, 4 to 32) still leaves the record
/// recoverable; k (more carriers, less parity, or fewer carriers, more parity) is chosen per grid by the same estimate.
/// The estimate is one pass over the image (pass-A rhombus prediction errors, counted per base tile and complexity
/// class); the plan affects only distortion, never correctness: a block that needs more room simply uses a larger step.
/// </summary>
internal sealed class MarkPlanner
{
    /// <summary>The distortion budget: the share of pixels a mark may change (all by ±1).</summary>
    public const double ChangedBudget = 0.03;

    private const int Classes = 80;

    private readonly int width, height, frames, tagBytes, carrierBytes;
    private readonly Func<BlockGrid, int> recordLength;
    private readonly BlockGrid baseGrid;
    private readonly int[][] tiles;

    /// <param name="recordLength">The record's length on a grid (format 4 leaves the full-MAC root out on coarse grids).</param>
    public MarkPlanner(ReadOnlySpan<ushort> samples, int width, int height, int frames, int bitsStored, int tagBytes, int carrierBytes,
        Func<BlockGrid, int> recordLength)
    {
        (this.width, this.height, this.frames, this.tagBytes, this.carrierBytes, this.recordLength) = (width, height, frames, tagBytes, carrierBytes, recordLength);
        // Tiles of half the base size: every block size (base × 1, 2, 3, 4 …) is a union of them.
        baseGrid = BlockGrid.For(width, height, frames, BlockGrid.Sizes(width, height)[0] / 2);
        tiles = TileStatistics(samples, baseGrid, bitsStored);
    }

    /// <summary>
    /// How many blocks the record must survive losing: a quarter of them, up to 32 (format 2 stopped at 9) — at least
    /// the 4 an edit up to a block wide can touch from 16 blocks on, and a quarter rounded up on the coarse grids of
    /// small images (2×2: 1, 3×3: 3; format 3 asked for 4 there, which on a 2×2 grid would be every block).
    /// </summary>
    public static int LostBlocks(int blocks) => blocks < 16 ? Math.Max(1, (blocks + 3) / 4) : Math.Clamp(blocks / 4, 4, MaxLostBlocks);

    /// <summary>The most lost blocks a plan provides for: beyond it, parity would outweigh the rest of the mark on fine grids.</summary>
    public const int MaxLostBlocks = 32;

    /// <summary>
    /// The plans to try, best first: the finest grid within the budget, then the others by estimated distortion; only
    /// blocks of <paramref name="blockSize"/> when given (the benchmark's sweep over block sizes).
    /// </summary>
    public IReadOnlyList<MarkPlan> Plans(int? blockSize = null)
    {
        var pool = Candidates();
        if (blockSize is { } size)
        {
            pool = [.. pool.Where(p => p.Grid.BlockSize == size)];
        }
        var first = pool.FirstOrDefault(p => p.EstimatedChangedShare <= ChangedBudget);
        var ordered = new List<MarkPlan>();
        if (first is not null)
        {
            ordered.Add(first);
        }
        ordered.AddRange(pool.Where(p => p != first).OrderBy(p => p.EstimatedChangedShare));
        return ordered;
    }

    /// <summary>The plan for each block size, finest first, with its estimated distortion (sizes the record does not fit are left out).</summary>
    public List<MarkPlan> Candidates()
    {
        if (candidates is not null)
        {
            return candidates;
        }
        var plans = new List<MarkPlan>();
        foreach (var size in BlockGrid.Sizes(width, height))
        {
            var grid = BlockGrid.For(width, height, frames, size);
            MarkPlan? best = null;
            foreach (var carriers in new[] { grid.Blocks.Count, 64, 32, 16, 12, 9, 6 })
            {
                if (carriers <= grid.Blocks.Count && PlanFor(grid, carriers, new HashSet<int>()) is { } plan
                    && (best is null || plan.EstimatedChangedShare < best.EstimatedChangedShare))
                {
                    best = plan;
                }
            }
            if (best is not null)
            {
                plans.Add(best);
            }
        }
        candidates = plans;
        return plans;
    }

    private List<MarkPlan>? candidates;

    /// <summary>The same grid and carrier count with the blocks in <paramref name="excluded"/> carrying no record symbols (they turned out to have less room than estimated).</summary>
    public MarkPlan? Replan(MarkPlan plan, IReadOnlySet<int> excluded) => PlanFor(plan.Grid, plan.Carriers, excluded);

    /// <summary>
    /// The plan for <paramref name="grid"/> with no block carrying more than 1/<paramref name="carriers"/> of the stream
    /// and the blocks in <paramref name="excluded"/> none; null when the record does not fit.
    /// </summary>
    private MarkPlan? PlanFor(BlockGrid grid, int carriers, IReadOnlySet<int> excluded)
    {
        // Parity: the lost blocks' share of the stream plus a margin for rounding across codewords; a stream shorter
        // than the carrier count has only that many carriers. The plan is then checked the way EmbedStatistics reports
        // it (losing the blocks with the longest runs) and the parity raised until it holds.
        var lost = LostBlocks(grid.Blocks.Count);
        var recordLength = this.recordLength(grid);
        var margin = MarginFor(carriers);
        var parity = (int)Math.Ceiling(16 * ((double)lost / carriers + margin));
        if (RecordStream.For(recordLength, Math.Clamp(parity, 1, 15)) is { } first && first.Length < carriers)
        {
            parity = (int)Math.Ceiling(16 * ((double)lost / first.Length + margin));
        }
        for (; parity <= 15; parity++)
        {
            if (RecordStream.For(recordLength, Math.Max(1, parity)) is not { } stream)
            {
                return null;
            }
            if (carriers <= 4 && stream.Length % carriers != 0 && stream.Length / carriers * carriers + carriers <= RecordStream.MaxLength)
            {
                // A few symbols longer, so that the carriers' runs are equal and the parity share covers one exactly.
                stream = new RecordStream(stream.Length / carriers * carriers + carriers, stream.ParitySixteenths);
            }
            if (PlanFor(grid, carriers, excluded, stream) is not { } plan)
            {
                return null;
            }
            if (Watermarker.SurvivableLosses(stream, plan.RecordSymbols) >= lost)
            {
                return plan;
            }
        }
        return null;
    }

    /// <summary>
    /// The margin the first parity guess adds for rounding across codewords. With a handful of carriers the stream is
    /// one codeword cut into equal runs (its length rounded up to a multiple of the carriers), so the lost share is
    /// exact and no margin is needed (a 2×2 grid's record needs 4/16 parity, not 5/16); either way the plan is checked
    /// and the parity raised until it survives the loss.
    /// </summary>
    private static double MarginFor(int carriers) => carriers <= 4 ? 0 : 0.06;

    private MarkPlan? PlanFor(BlockGrid grid, int carriers, IReadOnlySet<int> excluded, RecordStream stream)
    {
        var blocks = grid.Blocks;
        var histograms = Histograms(grid);
        var streamLength = stream.Length;
        var load = new int[blocks.Count];
        var costs = new double[blocks.Count];
        var limits = new int[blocks.Count];
        double total = 0;
        for (var i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            load[i] = 8 * tagBytes + BlockCodec.OverheadBits(tagBytes);
            costs[i] = Cost(histograms[i], load[i], b);
            total += costs[i];
            limits[i] = excluded.Contains(i) ? 0 : BlockCodec.MaxDataBytes(b) - tagBytes - carrierBytes;
        }
        // Water-filling: each record symbol to the block where it adds the fewest changed pixels.
        var cap = (streamLength + carriers - 1) / carriers;
        var symbols = new int[blocks.Count];
        var queue = new PriorityQueue<int, double>();
        int Load(int n) => 8 * (tagBytes + (n > 0 ? carrierBytes + n : 0)) + BlockCodec.OverheadBits(tagBytes + (n > 0 ? carrierBytes + n : 0));
        double Marginal(int i) => Cost(histograms[i], Load(symbols[i] + 1), blocks[i]) - costs[i];
        for (var i = 0; i < blocks.Count; i++)
        {
            if (limits[i] > 0)
            {
                queue.Enqueue(i, Marginal(i));
            }
        }
        for (var n = 0; n < streamLength; n++)
        {
            if (!queue.TryDequeue(out var i, out var extra))
            {
                return null; // every block is full: the record does not fit this grid
            }
            symbols[i]++;
            load[i] = Load(symbols[i]);
            costs[i] += extra;
            total += extra;
            if (symbols[i] < Math.Min(cap, limits[i]))
            {
                queue.Enqueue(i, Marginal(i));
            }
        }
        return new MarkPlan(grid, stream, carriers, symbols, total / ((double)grid.Width * grid.Height * grid.Frames));
    }

    private readonly Dictionary<int, int[][]> histogramsBySize = [];

    /// <summary>Per block of <paramref name="grid"/>: the sum of its tiles' statistics.</summary>
    private int[][] Histograms(BlockGrid grid)
    {
        if (histogramsBySize.TryGetValue(grid.BlockSize, out var cached))
        {
            return cached;
        }
        var blocks = grid.Blocks;
        var histograms = new int[blocks.Count][];
        for (var i = 0; i < blocks.Count; i++)
        {
            histograms[i] = new int[2 * Classes];
        }
        foreach (var t in baseGrid.Blocks)
        {
            // The block of this grid that holds the tile's top-left corner (blocks are unions of base tiles).
            var column = Math.Min(grid.Columns - 1, t.X / grid.BlockSize);
            var row = Math.Min(grid.Rows - 1, t.Y / grid.BlockSize);
            var target = histograms[(t.Frame * grid.Rows + row) * grid.Columns + column];
            var source = tiles[t.Index];
            for (var k = 0; k < target.Length; k++)
            {
                target[k] += source[k];
            }
        }
        histogramsBySize[grid.BlockSize] = histograms;
        return histograms;
    }

    /// <summary>
    /// Per base tile and complexity class: pass-A pixels and "hits" (errors in [−1, 0], which carry a bit at step 1;
    /// every fourth row is sampled and counted four times).
    /// </summary>
    private static int[][] TileStatistics(ReadOnlySpan<ushort> samples, BlockGrid grid, int bitsStored)
    {
        var w = grid.Width;
        var shift = Math.Max(0, bitsStored - 10);
        var tiles = new int[grid.Blocks.Count][];
        foreach (var b in grid.Blocks)
        {
            var counts = new int[2 * Classes];
            var frame = samples.Slice(b.Frame * w * grid.Height, w * grid.Height);
            for (var y = b.Y + 2; y <= b.Y + b.Height - 3; y += 4)
            {
                var x = b.X + 1;
                for (; x <= b.X + b.Width - 2; x += 2)
                {
                    var i = y * w + x;
                    int v = frame[i], n = frame[i - w], s = frame[i + w], west = frame[i - 1], east = frame[i + 1];
                    var c = (Math.Abs(n - s) + Math.Abs(west - east) + Math.Abs(n - west) + Math.Abs(west - s) + Math.Abs(s - east) + Math.Abs(east - n)) >> shift;
                    var e = v - ((n + s + west + east) >> 2);
                    var k = Class(c);
                    counts[2 * k] += 4;
                    counts[2 * k + 1] += e is 0 or -1 ? 4 : 0;
                }
            }
            tiles[b.Index] = counts;
        }
        return tiles;
    }

    private static int Class(int c)
    {
        if (c < 4)
        {
            return c;
        }
        var l = BitOperations.Log2((uint)c);
        return Math.Min(Classes - 1, 4 * (l - 1) + ((c >> (l - 2)) & 3));
    }

    /// <summary>
    /// Estimated pixels changed to carry <paramref name="bits"/> at step 1 (both passes alike). Where step 1 cannot carry
    /// them the block needs a larger step, which changes about every pixel: the whole block, plus a little per missing
    /// bit so that the water-filling still prefers the blocks that are short by less.
    /// </summary>
    private static double Cost(int[] histogram, int bits, Block b)
    {
        var wanted = (bits + 1) / 2.0; // per pass
        double visited = 0, hits = 0;
        for (var k = 0; k < Classes; k++)
        {
            double count = histogram[2 * k], hit = histogram[2 * k + 1];
            if (hits + hit >= wanted)
            {
                var fraction = hit == 0 ? 0 : (wanted - hits) / hit;
                visited += count * fraction;
                hits = wanted;
                // Visited pixels change unless they carried a bit that left them as they were (half of the hits).
                return 2 * (visited - hits / 2) + b.Width; // + about half the header pixels' LSBs
            }
            visited += count;
            hits += hit;
        }
        return (double)b.Width * b.Height + 4 * (wanted - hits);
    }
}
