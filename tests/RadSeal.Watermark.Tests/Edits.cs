using RadSeal.Imaging;

namespace RadSeal.Watermark.Tests;

/// <summary>Random edits of the kinds an accident or a forger makes, and which blocks an edit touched.</summary>
public static class Edits
{
    /// <summary>How many edits a test makes: 150 in the suite; RADSEAL_TAMPER_EDITS=1000 runs the full count.</summary>
    public static int Count => int.TryParse(Environment.GetEnvironmentVariable("RADSEAL_TAMPER_EDITS"), out var n) ? n : 150;

    /// <summary>
    /// A copy of <paramref name="marked"/> with one edit: one LSB, a brightened region (a "nodule"), copy-move, erase
    /// or faint noise, over a rectangle of 1 to <paramref name="maxSide"/> − 1 pixels a side.
    /// </summary>
    public static GrayImage Random(GrayImage marked, Random random, int maxSide)
    {
        var edited = marked.Clone();
        var pixels = edited.Samples;
        int width = marked.Width, height = marked.Height, max = marked.MaxValue;
        var kind = random.Next(5);
        int w = kind == 0 ? 1 : random.Next(1, maxSide), h = kind == 0 ? 1 : random.Next(1, maxSide);
        int x0 = random.Next(0, width - w), y0 = random.Next(0, height - h);
        int sx = random.Next(0, width - w), sy = random.Next(0, height - h);
        for (var y = y0; y < y0 + h; y++)
        {
            for (var x = x0; x < x0 + w; x++)
            {
                ref var p = ref pixels[y * width + x];
                p = kind switch
                {
                    0 => (ushort)(p ^ 1), // one LSB
                    1 => (ushort)Math.Clamp(p + 40, 0, max), // brighten a region
                    2 => marked.Samples[(sy + y - y0) * width + sx + x - x0], // copy-move
                    3 => 0, // erase
                    _ => (ushort)Math.Clamp(p + random.Next(-3, 4), 0, max), // faint noise
                };
            }
        }
        return edited;
    }

    /// <summary>The blocks of <paramref name="grid"/> whose pixels differ between <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static HashSet<(int X, int Y)> Touched(BlockGrid grid, GrayImage a, GrayImage b) =>
        [.. grid.Blocks.Where(block => Changed(a, b, block)).Select(block => (block.X, block.Y))];

    private static bool Changed(GrayImage a, GrayImage b, Block block)
    {
        for (var y = block.Y; y < block.Y + block.Height; y++)
        {
            if (!a.Samples.Slice(y * a.Width + block.X, block.Width).SequenceEqual(b.Samples.Slice(y * b.Width + block.X, block.Width)))
            {
                return true;
            }
        }
        return false;
    }
}
