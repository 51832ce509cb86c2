using System.Text.Json;

namespace RadSeal.Ledger.Tests.Merkle;

/// <summary>
/// The committed JSON vectors (testdata/inclusion, testdata/consistency): each must verify exactly when its wantErr is
/// false. Regenerate with RADSEAL_WRITE_VECTORS=1 (a test below also fails if they drift from the reference).
/// </summary>
public class VectorTests
{
    private static string TestData => Path.Combine(AppContext.BaseDirectory, "testdata");

    private static Hash H(string hex) => Hash.TryParseHex(hex, out var h) ? h : throw new FormatException(hex);

    public static TheoryData<string> InclusionFiles() =>
        [.. Directory.GetFiles(Path.Combine(TestData, "inclusion"), "*.json", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(TestData, f)).Order(StringComparer.Ordinal)];

    public static TheoryData<string> ConsistencyFiles() =>
        [.. Directory.GetFiles(Path.Combine(TestData, "consistency"), "*.json", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(TestData, f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(InclusionFiles))]
    public void Inclusion_vector(string file)
    {
        var v = JsonSerializer.Deserialize<InclusionVector>(File.ReadAllText(Path.Combine(TestData, file)))!;
        Assert.Equal(Path.GetFileNameWithoutExtension(file), v.Desc);
        var result = Proofs.VerifyInclusion(v.LeafIndex, v.TreeSize, H(v.LeafHash), [.. v.Proof.Select(H)], H(v.Root));
        Assert.True(result.IsValid != v.WantErr, $"{file}: {result.Failure} {result.Message}");
    }

    [Theory]
    [MemberData(nameof(ConsistencyFiles))]
    public void Consistency_vector(string file)
    {
        var v = JsonSerializer.Deserialize<ConsistencyVector>(File.ReadAllText(Path.Combine(TestData, file)))!;
        Assert.Equal(Path.GetFileNameWithoutExtension(file), v.Desc);
        var result = Proofs.VerifyConsistency(v.Size1, v.Size2, H(v.Root1), H(v.Root2), [.. v.Proof.Select(H)]);
        Assert.True(result.IsValid != v.WantErr, $"{file}: {result.Failure} {result.Message}");
    }

    [Fact]
    public void Committed_vectors_are_what_the_reference_generates()
    {
        var generated = ProofVectors.Generate();
        var source = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../testdata"));
        if (Environment.GetEnvironmentVariable("RADSEAL_WRITE_VECTORS") == "1")
        {
            foreach (var dir in new[] { "inclusion", "consistency" }.Select(d => Path.Combine(source, d)).Where(Directory.Exists))
            {
                Directory.Delete(dir, true);
            }
            foreach (var (name, text) in generated)
            {
                var path = Path.Combine(source, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, text + "\n");
            }
        }
        var committed = Directory.GetFiles(TestData, "*.json", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(TestData, f).StartsWith("notes", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(TestData, f).Replace('\\', '/'), f => File.ReadAllText(f).TrimEnd('\n'));
        Assert.Equal(generated.Keys.Order(StringComparer.Ordinal), committed.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, text) in generated)
        {
            Assert.Equal(text, committed[name]);
        }
    }
}
