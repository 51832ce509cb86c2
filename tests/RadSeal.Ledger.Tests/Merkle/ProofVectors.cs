using System.Text.Json;
using System.Text.Json.Serialization;

namespace RadSeal.Ledger.Tests.Merkle;

/// <summary>An inclusion-proof vector: one mutation of a proof the reference produced, and whether it must fail.</summary>
public sealed record InclusionVector(
    [property: JsonPropertyName("desc")] string Desc,
    [property: JsonPropertyName("leafIndex")] long LeafIndex,
    [property: JsonPropertyName("treeSize")] long TreeSize,
    [property: JsonPropertyName("leafHash")] string LeafHash,
    [property: JsonPropertyName("root")] string Root,
    [property: JsonPropertyName("proof")] string[] Proof,
    [property: JsonPropertyName("wantErr")] bool WantErr);

/// <summary>A consistency-proof vector.</summary>
public sealed record ConsistencyVector(
    [property: JsonPropertyName("desc")] string Desc,
    [property: JsonPropertyName("size1")] long Size1,
    [property: JsonPropertyName("size2")] long Size2,
    [property: JsonPropertyName("root1")] string Root1,
    [property: JsonPropertyName("root2")] string Root2,
    [property: JsonPropertyName("proof")] string[] Proof,
    [property: JsonPropertyName("wantErr")] bool WantErr);

/// <summary>
/// Makes the committed vectors under testdata/ from the RFC reference alone (never from the code under test): each
/// base case's true proof, then one file per mutation, named after it as in transparency-dev/merkle's testdata.
/// Size mutations are kept only where they change the proof's length, since a proof of the same shape for a
/// neighbouring size is, by RFC 9162's algorithm, indistinguishable (the root then does the rejecting).
/// </summary>
internal static class ProofVectors
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private static readonly (int Index, int Size)[] InclusionCases = [(0, 1), (1, 2), (6, 7), (5, 8), (512, 513), (123, 1000), (999, 1000)];

    private static readonly (int Size1, int Size2)[] ConsistencyCases = [(1, 2), (3, 7), (4, 8), (6, 8), (300, 1000), (512, 1000), (999, 1000), (7, 7)];

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);

    private static string Flip(string hex, int bit)
    {
        var bytes = Convert.FromHexString(hex);
        bytes[bit / 8] ^= (byte)(1 << (bit % 8));
        return Hex(bytes);
    }

    private static readonly string Garbage = Hex(System.Security.Cryptography.SHA256.HashData("garbage"u8));

    public static Dictionary<string, string> Generate()
    {
        var tree = TreeFixture.Instance;
        var reference = tree.Reference;
        var files = new Dictionary<string, string>();
        foreach (var (m, n) in InclusionCases)
        {
            var leaf = Hex(reference.Mth(m, m + 1));
            var root = Hex(reference.Mth(0, n));
            string[] proof = [.. reference.Path(m, n).Select(Hex)];
            var dir = $"inclusion/leaf-{m}-of-{n}";
            void Add(string desc, long index, long size, string leafHash, string r, string[] p, bool wantErr) =>
                files[$"{dir}/{desc}.json"] = JsonSerializer.Serialize(new InclusionVector(desc, index, size, leafHash, r, p, wantErr), Json);
            Add("happy-path", m, n, leaf, root, proof, false);
            for (var i = 0; i < proof.Length; i++)
            {
                string[] p = [.. proof];
                p[i] = Flip(p[i], 3);
                Add($"modified-proof[{i}]-bit-@3", m, n, leaf, root, p, true);
            }
            Add("modified-leafHash-bit-@0", m, n, Flip(leaf, 0), root, proof, true);
            Add("modified-root-bit-@255", m, n, leaf, Flip(root, 255), proof, true);
            Add("leafIdx-plus-@1", m + 1, n, leaf, root, proof, true);
            if (m > 0)
            {
                Add("leafIdx-minus-@1", m - 1, n, leaf, root, proof, true);
            }
            Add("leafIdx-equals-treeSize", n, n, leaf, root, proof, true);
            if (reference.Path(m, n + 1 <= TreeFixture.MaxSize ? n + 1 : n).Count != proof.Length && n + 1 <= TreeFixture.MaxSize)
            {
                Add("treeSize-plus-@1", m, n + 1, leaf, root, proof, true);
            }
            if (n - 1 > m && reference.Path(m, n - 1).Count != proof.Length)
            {
                Add("treeSize-minus-@1", m, n - 1, leaf, root, proof, true);
            }
            Add("preceding-garbage", m, n, leaf, root, [Garbage, .. proof], true);
            Add("trailing-garbage", m, n, leaf, root, [.. proof, Garbage], true);
            if (proof.Length > 0)
            {
                Add("truncated-proof", m, n, leaf, root, proof[..^1], true);
                Add("empty-proof", m, n, leaf, root, [], true);
            }
            if (proof.Length > 1 && proof[0] != proof[1])
            {
                Add("swapped-proof[0]-[1]", m, n, leaf, root, [proof[1], proof[0], .. proof[2..]], true);
            }
        }
        foreach (var (m, n) in ConsistencyCases)
        {
            var root1 = Hex(reference.Mth(0, m));
            var root2 = Hex(reference.Mth(0, n));
            string[] proof = [.. reference.Proof(m, n).Select(Hex)];
            var dir = $"consistency/from-{m}-to-{n}";
            void Add(string desc, long s1, long s2, string r1, string r2, string[] p, bool wantErr) =>
                files[$"{dir}/{desc}.json"] = JsonSerializer.Serialize(new ConsistencyVector(desc, s1, s2, r1, r2, p, wantErr), Json);
            Add("happy-path", m, n, root1, root2, proof, false);
            for (var i = 0; i < proof.Length; i++)
            {
                string[] p = [.. proof];
                p[i] = Flip(p[i], 3);
                Add($"modified-proof[{i}]-bit-@3", m, n, root1, root2, p, true);
            }
            Add("modified-root1-bit-@0", m, n, Flip(root1, 0), root2, proof, true);
            Add("modified-root2-bit-@0", m, n, root1, Flip(root2, 0), proof, true);
            Add("preceding-garbage", m, n, root1, root2, [Garbage, .. proof], true);
            Add("trailing-garbage", m, n, root1, root2, [.. proof, Garbage], true);
            Add("size1-greater-than-size2", n + 1, n, root1, root2, proof, true);
            if (proof.Length > 0)
            {
                Add("truncated-proof", m, n, root1, root2, proof[..^1], true);
                Add("empty-proof", m, n, root1, root2, [], true);
            }
            if (m + 1 < n && reference.Proof(m + 1, n).Count != proof.Length)
            {
                Add("size1-plus-@1", m + 1, n, root1, root2, proof, true);
            }
            if (n + 1 <= TreeFixture.MaxSize && reference.Proof(m, n + 1).Count != proof.Length)
            {
                Add("size2-plus-@1", m, n + 1, root1, root2, proof, true);
            }
            if (proof.Length > 1 && proof[0] != proof[1])
            {
                Add("swapped-proof[0]-[1]", m, n, root1, root2, [proof[1], proof[0], .. proof[2..]], true);
            }
        }
        return files;
    }
}
