namespace RadSeal.Watermark;

/// <summary>
/// How an image is cut into blocks: square blocks of one of a few sizes (<see cref="Sizes"/>), which depend only on the
/// image size; the last row and column of blocks absorb the remainder (up to 2×size−1).
/// </summary>
public sealed class BlockGrid
{
    private BlockGrid(int width, int height, int frames, int size)
    {
        Width = width;
        Height = height;
        Frames = frames;
        BlockSize = size;
        Columns = Math.Max(1, width / size);
        Rows = Math.Max(1, height / size);
        var blocks = new List<Block>(Columns * Rows * frames);
        for (var f = 0; f < frames; f++)
        {
            for (var r = 0; r < Rows; r++)
            {
                for (var c = 0; c < Columns; c++)
                {
                    var x = c * size;
                    var y = r * size;
                    var w = c == Columns - 1 ? width - x : size;
                    var h = r == Rows - 1 ? height - y : size;
                    blocks.Add(new Block(f, blocks.Count, x, y, w, h));
                }
            }
        }
        Blocks = blocks;
    }

    public int Width { get; }
    public int Height { get; }
    public int Frames { get; }
    public int BlockSize { get; }
    public int Columns { get; }
    public int Rows { get; }
    public IReadOnlyList<Block> Blocks { get; }

    /// <summary>The smallest image the mark fits in.</summary>
    public const int MinSide = 16;

    /// <summary>The finest grid: 64×64 blocks, or a quarter of the shorter side on small images.</summary>
    public static BlockGrid For(int width, int height, int frames) => For(width, height, frames, Sizes(width, height)[0]);

    /// <summary>The grid with blocks of <paramref name="size"/> (one of <see cref="Sizes"/>).</summary>
    public static BlockGrid For(int width, int height, int frames, int size)
    {
        if (width < MinSide || height < MinSide)
        {
            throw new WatermarkException($"An image of {width}x{height} pixels is too small for the watermark (at least {MinSide}x{MinSide}).");
        }
        return new BlockGrid(width, height, frames, size);
    }

    /// <summary>
    /// The block sizes a mark may use, finest first: the base size (64, or a quarter of the shorter side on small
    /// images) times 1, 2, 3, 4, 6, 8, 12 or 16, while the image still holds at least 3×3 blocks, then the coarsest
    /// 3×3 and 2×2 grids (up to 16 times the base size; format 3 stopped at 3×3). The embedder picks one
    /// (the finest whose mark stays within the distortion budget); the verifier finds it from the block headers.
    /// </summary>
    public static IReadOnlyList<int> Sizes(int width, int height)
    {
        if (width < MinSide || height < MinSide)
        {
            throw new WatermarkException($"An image of {width}x{height} pixels is too small for the watermark (at least {MinSide}x{MinSide}).");
        }
        var shorter = Math.Min(width, height);
        var size = shorter >= 256 ? 64 : Math.Max(16, shorter / 4 / 8 * 8);
        var sizes = new List<int>();
        foreach (var factor in new[] { 2, 4, 6, 8, 12, 16, 24, 32 })
        {
            if (factor == 2 || shorter / (size * factor / 2) >= 3)
            {
                sizes.Add(size * factor / 2);
            }
        }
        // And the coarsest 3×3 and 2×2 grids (in steps of half the base size), for very noisy or small images: the
        // planner takes them only when no finer grid keeps the mark within the distortion budget (on 224² exports the
        // per-block overhead of 16 blocks alone is over it), trading localisation for distortion.
        foreach (var parts in new[] { 3, 2 })
        {
            var coarsest = shorter / parts / (size / 2) * (size / 2);
            if (coarsest > sizes[^1] && coarsest <= 16 * size)
            {
                sizes.Add(coarsest);
            }
        }
        return sizes;
    }
}
