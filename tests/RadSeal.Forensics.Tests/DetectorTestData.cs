namespace RadSeal.Forensics.Tests;

/// <summary>Paths the tests share: the Kermany chest X-rays (CC BY 4.0, read in place) and the repository root.</summary>
internal static class TestData
{
    public const string Kermany = "/work/shared/data/cxr-kermany-224";

    /// <summary>The Kermany folder; a missing folder fails the test (never skips) with what is needed.</summary>
    public static string RequireKermany()
    {
        Assert.True(Directory.Exists(Kermany),
            $"{Kermany} is missing: the detector tests need the Kermany chest X-ray set (CC BY 4.0, 224x224 JPEGs) at that path.");
        return Kermany;
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RadSeal.slnx")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("RadSeal.slnx not found above the test binaries.");
    }

    /// <summary>The first <paramref name="count"/> NORMAL and PNEUMONIA test-folder images, alternating, in name order.</summary>
    public static IReadOnlyList<string> SomeRealImages(int count)
    {
        var root = RequireKermany();
        var normal = Directory.GetFiles(Path.Combine(root, "test", "NORMAL"), "*.jpeg").Order(StringComparer.Ordinal).ToArray();
        var pneumonia = Directory.GetFiles(Path.Combine(root, "test", "PNEUMONIA"), "*.jpeg").Order(StringComparer.Ordinal).ToArray();
        return Enumerable.Range(0, count).Select(i => i % 2 == 0 ? normal[i / 2] : pneumonia[i / 2]).ToList();
    }
}
