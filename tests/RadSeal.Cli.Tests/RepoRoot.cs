namespace RadSeal.Cli.Tests;

/// <summary>The repository checkout the tests run from (the folder holding RadSeal.slnx).</summary>
public static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "RadSeal.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Cannot find RadSeal.slnx above " + AppContext.BaseDirectory);
    }
}
