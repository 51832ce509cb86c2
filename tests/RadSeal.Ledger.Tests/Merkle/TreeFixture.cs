using System.Text;
using RadSeal.Ledger.Tests.Reference;

namespace RadSeal.Ledger.Tests.Merkle;

/// <summary>A log of up to 1,000 deterministic entries, held by both the reference and the fast code.</summary>
internal sealed class TreeFixture
{
    public const int MaxSize = 1000;

    private TreeFixture()
    {
        Entries = [.. Enumerable.Range(0, MaxSize).Select(i => Encoding.ASCII.GetBytes($"entry {i} of the reference tree"))];
        Reference = new RfcReference(Entries);
        var range = new CompactRange();
        foreach (var entry in Entries)
        {
            range.Append(TreeHasher.HashLeaf(entry), (id, hash) => Nodes[id] = hash);
            Roots.Add(range.Root());
        }
    }

    public static TreeFixture Instance { get; } = new();

    public byte[][] Entries { get; }

    public RfcReference Reference { get; }

    /// <summary>Every perfect node of the 1,000-leaf tree (the smaller trees use the same nodes).</summary>
    public Dictionary<NodeId, Hash> Nodes { get; } = [];

    /// <summary>Roots[n - 1] is the fast code's root of the first n entries.</summary>
    public List<Hash> Roots { get; } = [];

    public Hash Root(int size) => size == 0 ? TreeHasher.EmptyRoot : Roots[size - 1];

    public Hash[] Read(ProofPlan plan) => [.. plan.Nodes.Select(id => Nodes[id])];

    public Hash[] ProveInclusion(long index, long size)
    {
        var plan = Proofs.PlanInclusion(index, size);
        return plan.Assemble(Read(plan));
    }

    public Hash[] ProveConsistency(long size1, long size2)
    {
        var plan = Proofs.PlanConsistency(size1, size2);
        return plan.Assemble(Read(plan));
    }

    public Hash LeafHash(int index) => TreeHasher.HashLeaf(Entries[index]);
}
