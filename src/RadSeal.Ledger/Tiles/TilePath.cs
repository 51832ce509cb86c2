using System.Globalization;
using System.Text;

namespace RadSeal.Ledger.Tiles;

/// <summary>
/// A C2SP tlog-tiles resource: a hash tile <c>tile/L/N[.p/W]</c> or an entry bundle <c>tile/entries/N[.p/W]</c>.
/// A tile at level L holds up to 256 consecutive hashes of tree level 8·L: hash i of tile N is the perfect node
/// (8·L, 256·N + i). Level 0 tiles hold leaf hashes; the bundle with the same N holds the entries they hash.
/// N is written in zero-padded groups of three digits, all but the last prefixed with x: 1234067 is x001/x234/067.
/// A width below 256 is a partial tile, written with the suffix .p/W.
/// </summary>
public readonly record struct TilePath
{
    /// <summary>The tree levels one tile spans.</summary>
    public const int Height = 8;

    /// <summary>The number of hashes (or entries) in a full tile.</summary>
    public const int FullWidth = 256;

    /// <summary>The highest level the format allows.</summary>
    public const int MaxLevel = 63;

    private TilePath(bool isEntries, int level, long index, int width)
    {
        IsEntryBundle = isEntries;
        Level = level;
        Index = index;
        Width = width;
    }

    /// <summary>True for <c>tile/entries/…</c>.</summary>
    public bool IsEntryBundle { get; }

    /// <summary>The tile level (0 for entry bundles).</summary>
    public int Level { get; }

    /// <summary>The tile's index within its level.</summary>
    public long Index { get; }

    /// <summary>The number of hashes or entries, 1 to 256.</summary>
    public int Width { get; }

    /// <summary>True when fewer than 256 wide.</summary>
    public bool IsPartial => Width < FullWidth;

    /// <summary>A hash tile.</summary>
    public static TilePath Hashes(int level, long index, int width = FullWidth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, MaxLevel);
        Check(index, width);
        return new TilePath(false, level, index, width);
    }

    /// <summary>An entry bundle.</summary>
    public static TilePath Entries(long index, int width = FullWidth)
    {
        Check(index, width);
        return new TilePath(true, 0, index, width);
    }

    private static void Check(long index, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, FullWidth);
    }

    /// <summary>The tree level of the hashes in this tile (8·L).</summary>
    public int TreeLevel => Level * Height;

    /// <summary>The first node (at <see cref="TreeLevel"/>) in this tile.</summary>
    public long FirstNode => Index * FullWidth;

    /// <summary>The resource path without a leading slash, e.g. <c>tile/1/x001/234.p/17</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("tile/");
        sb.Append(IsEntryBundle ? "entries" : Level.ToString(CultureInfo.InvariantCulture)).Append('/');
        sb.Append(FormatIndex(Index));
        if (IsPartial)
        {
            sb.Append(".p/").Append(Width.ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>N as zero-padded three-digit groups, all but the last prefixed with x.</summary>
    public static string FormatIndex(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var groups = new List<string>();
        do
        {
            groups.Add((index % 1000).ToString("D3", CultureInfo.InvariantCulture));
            index /= 1000;
        }
        while (index > 0);
        groups.Reverse();
        return string.Join('/', groups.Select((g, i) => i < groups.Count - 1 ? "x" + g : g));
    }

    /// <summary>Parses a resource path (leading slash optional).</summary>
    /// <exception cref="LedgerFormatException">The path is not a canonical tile or entry-bundle path.</exception>
    public static TilePath Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return TryParse(path, out var tile, out var error) ? tile : throw new LedgerFormatException($"Not a tile path '{path}': {error}.");
    }

    /// <summary>Parses a resource path; on failure says why.</summary>
    public static bool TryParse(string path, out TilePath tile, out string error)
    {
        tile = default;
        ArgumentNullException.ThrowIfNull(path);
        var parts = path.TrimStart('/').Split('/');
        if (parts.Length < 3 || parts[0] != "tile")
        {
            error = "expected tile/L/N or tile/entries/N";
            return false;
        }
        var isEntries = parts[1] == "entries";
        var level = 0;
        if (!isEntries && !TryParseDecimal(parts[1], MaxLevel, out level))
        {
            error = $"level '{parts[1]}' is not a decimal from 0 to {MaxLevel} without leading zeros";
            return false;
        }
        long index = 0;
        var width = FullWidth;
        var i = 2;
        var complete = false;
        for (; i < parts.Length; i++)
        {
            var part = parts[i];
            var last = !part.StartsWith('x');
            var digits = last ? part : part[1..];
            if (last && digits.EndsWith(".p", StringComparison.Ordinal))
            {
                digits = digits[..^2];
                if (i + 2 != parts.Length || !TryParseDecimal(parts[i + 1], FullWidth - 1, out width) || width == 0)
                {
                    error = "a partial tile ends in .p/W with W from 1 to 255";
                    return false;
                }
            }
            if (digits.Length != 3 || !digits.All(char.IsAsciiDigit))
            {
                error = $"index element '{part}' is not three digits";
                return false;
            }
            if (index > (long.MaxValue - 999) / 1000)
            {
                error = "index overflows";
                return false;
            }
            index = index * 1000 + int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            if (last)
            {
                i += width < FullWidth ? 2 : 1;
                complete = true;
                break;
            }
        }
        if (!complete || i != parts.Length)
        {
            error = complete ? "unexpected elements after the index" : "the index has no final element";
            return false;
        }
        tile = new TilePath(isEntries, level, index, width);
        error = "";
        return true;
    }

    private static bool TryParseDecimal(string text, int max, out int value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 3 || !text.All(char.IsAsciiDigit) || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }
        value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return value <= max;
    }

    /// <summary>
    /// The width the tile at <paramref name="level"/>, <paramref name="index"/> has in a tree of
    /// <paramref name="treeSize"/> leaves: 256 for a full tile, 1–255 for the partial one, 0 if it does not exist yet.
    /// </summary>
    public static int WidthAt(int level, long index, long treeSize)
    {
        var nodes = treeSize >> (level * Height); // hashes that exist at this tile level
        var full = nodes / FullWidth;
        return index < full ? FullWidth : index == full ? (int)(nodes % FullWidth) : 0;
    }
}
