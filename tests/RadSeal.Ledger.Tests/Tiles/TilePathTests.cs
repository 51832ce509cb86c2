using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RadSeal.Ledger.Tiles;

namespace RadSeal.Ledger.Tests.Tiles;

public class TilePathTests
{
    [Theory]
    [InlineData(0, "000")]
    [InlineData(7, "007")]
    [InlineData(999, "999")]
    [InlineData(1000, "x001/000")]
    [InlineData(1234067, "x001/x234/067")]
    public void Index_is_written_in_three_digit_groups(long index, string text) => Assert.Equal(text, TilePath.FormatIndex(index));

    [Theory]
    [InlineData("tile/0/000", false, 0, 0L, 256)]
    [InlineData("/tile/1/x001/x234/067", false, 1, 1234067L, 256)]
    [InlineData("tile/2/x001/234.p/17", false, 2, 1234L, 17)]
    [InlineData("tile/entries/x002/005", true, 0, 2005L, 256)]
    [InlineData("tile/entries/042.p/255", true, 0, 42L, 255)]
    [InlineData("tile/63/000.p/1", false, 63, 0L, 1)]
    public void Canonical_paths_parse_and_print_back(string path, bool entries, int level, long index, int width)
    {
        var tile = TilePath.Parse(path);
        Assert.Equal((entries, level, index, width), (tile.IsEntryBundle, tile.Level, tile.Index, tile.Width));
        Assert.Equal(path.TrimStart('/'), tile.ToString());
    }

    [Theory]
    [InlineData("tile/01/000")] // leading zero in the level
    [InlineData("tile/64/000")] // level out of range
    [InlineData("tile/0/00")] // two digits
    [InlineData("tile/0/0000")]
    [InlineData("tile/0/x001")] // no final element
    [InlineData("tile/0/001/002")] // final element not last
    [InlineData("tile/0/x01/002")]
    [InlineData("tile/0/000.p/256")] // a full width written as partial
    [InlineData("tile/0/000.p/0")]
    [InlineData("tile/0/000.p/07")]
    [InlineData("tile/0/000.p")]
    [InlineData("tile/0/000.p/5/6")]
    [InlineData("tile/0/x999/x999/x999/x999/x999/x999/x999/999")] // overflows a long
    [InlineData("tiles/0/000")]
    [InlineData("tile/entries")]
    [InlineData("tile/0/+12")]
    public void Malformed_paths_are_refused_with_a_reason(string path)
    {
        Assert.False(TilePath.TryParse(path, out _, out var error));
        Assert.NotEmpty(error);
        Assert.Throws<LedgerFormatException>(() => TilePath.Parse(path));
    }

    [Fact]
    public void Widths_follow_the_spec_example_of_a_tree_of_70000()
    {
        // 273 full level-0 tiles, a partial of 112, one full level-1 tile, a partial of 17, a level-2 partial of 1.
        Assert.Equal(256, TilePath.WidthAt(0, 272, 70_000));
        Assert.Equal(112, TilePath.WidthAt(0, 273, 70_000));
        Assert.Equal(0, TilePath.WidthAt(0, 274, 70_000));
        Assert.Equal(256, TilePath.WidthAt(1, 0, 70_000));
        Assert.Equal(17, TilePath.WidthAt(1, 1, 70_000));
        Assert.Equal(1, TilePath.WidthAt(2, 0, 70_000));
        Assert.Equal(0, TilePath.WidthAt(3, 0, 70_000));
        // A tree of 256: one full level-0 tile and a level-1 partial of width 1.
        Assert.Equal(256, TilePath.WidthAt(0, 0, 256));
        Assert.Equal(0, TilePath.WidthAt(0, 1, 256));
        Assert.Equal(1, TilePath.WidthAt(1, 0, 256));
    }

    [Property(MaxTest = 500)]
    public Property Any_tile_prints_and_parses_back() => Prop.ForAll(
        Gen.Choose(0, 63).ToArbitrary(),
        Gen.Choose(0, int.MaxValue).Select(i => (long)i * 4_000_000_000L).ToArbitrary(),
        Gen.Choose(1, 256).ToArbitrary(),
        (level, index, width) =>
        {
            var tile = TilePath.Hashes(level, index, width);
            var bundle = TilePath.Entries(index, width);
            return TilePath.Parse(tile.ToString()) == tile && TilePath.Parse(bundle.ToString()) == bundle;
        });
}

public class EntryBundleTests
{
    [Fact]
    public void Entries_round_trip_including_empty_and_largest()
    {
        byte[][] entries = [[], [1, 2, 3], new byte[EntryBundle.MaxEntrySize]];
        var bundle = EntryBundle.Encode(entries.Select(e => (ReadOnlyMemory<byte>)e));
        Assert.Equal(2 + 0 + 2 + 3 + 2 + EntryBundle.MaxEntrySize, bundle.Length);
        Assert.Equal(entries, EntryBundle.Decode(bundle));
    }

    [Fact]
    public void Truncated_bundles_are_refused()
    {
        var bundle = EntryBundle.Encode([new byte[] { 1, 2, 3 }]);
        Assert.Throws<LedgerFormatException>(() => EntryBundle.Decode(bundle.AsSpan(0, 4)));
        Assert.Throws<LedgerFormatException>(() => EntryBundle.Decode(bundle.AsSpan(0, 1)));
    }

    [Fact]
    public void Oversized_entries_are_refused() =>
        Assert.Throws<ArgumentException>(() => EntryBundle.Encode([new byte[EntryBundle.MaxEntrySize + 1]]));
}
