namespace RadSeal.Watermark;

/// <summary>
/// How an image is cut into blocks. The rule depends only on the image size, so the verifier finds the same grid
/// without being told: 64×64 blocks when both sides are at least 256 pixels, else about a quarter of the shorter side
/// (a multiple of 8, at least 16). The last row and column of blocks absorb the remainder (up to 2×size−1).
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

    public static BlockGrid For(int width, int height, int frames)
    {
        if (width < MinSide || height < MinSide)
        {
            throw new WatermarkException($"An image of {width}x{height} pixels is too small for the watermark (at least {MinSide}x{MinSide}).");
        }
        var shorter = Math.Min(width, height);
        var size = shorter >= 256 ? 64 : Math.Max(16, shorter / 4 / 8 * 8);
        return new BlockGrid(width, height, frames, size);
    }
}
