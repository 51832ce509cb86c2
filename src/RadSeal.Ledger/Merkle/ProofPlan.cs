namespace RadSeal.Ledger.Merkle;

/// <summary>
/// Which stored hashes a proof needs, and how to turn them into the proof. Each proof element is the Merkle Tree Hash
/// of a range of leaves; a range that is a perfect subtree is one stored node, and a ragged range on the right edge
/// of the tree is several perfect nodes folded from the right. Planning is pure; the caller fetches
/// <see cref="Nodes"/> in one batched read and hands the hashes to <see cref="Assemble"/>.
/// </summary>
public sealed class ProofPlan
{
    private readonly int[] _groupSizes;

    internal ProofPlan(NodeId[] nodes, int[] groupSizes)
    {
        Nodes = nodes;
        _groupSizes = groupSizes;
    }

    /// <summary>The perfect nodes to read, in the order <see cref="Assemble"/> expects their hashes.</summary>
    public IReadOnlyList<NodeId> Nodes { get; }

    /// <summary>The number of hashes in the finished proof.</summary>
    public int ProofLength => _groupSizes.Length;

    /// <summary>Builds the proof from the hashes of <see cref="Nodes"/>, in the same order.</summary>
    /// <exception cref="ArgumentException">The number of hashes is not the number of nodes.</exception>
    public Hash[] Assemble(IReadOnlyList<Hash> hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        if (hashes.Count != Nodes.Count)
        {
            throw new ArgumentException($"The plan needs {Nodes.Count} hashes, not {hashes.Count}.", nameof(hashes));
        }
        var proof = new Hash[_groupSizes.Length];
        var next = 0;
        for (var i = 0; i < _groupSizes.Length; i++)
        {
            var count = _groupSizes[i];
            var hash = hashes[next + count - 1];
            for (var j = next + count - 2; j >= next; j--)
            {
                hash = TreeHasher.HashChildren(hashes[j], hash);
            }
            proof[i] = hash;
            next += count;
        }
        return proof;
    }

    /// <summary>A plan whose elements are the given leaf ranges, in proof order.</summary>
    internal static ProofPlan FromRanges(List<(long Start, long End)> ranges)
    {
        var nodes = new List<NodeId>(ranges.Count * 2);
        var groups = new int[ranges.Count];
        for (var i = 0; i < ranges.Count; i++)
        {
            var before = nodes.Count;
            AddPerfectCover(ranges[i].Start, ranges[i].End, nodes);
            groups[i] = nodes.Count - before;
        }
        return new ProofPlan([.. nodes], groups);
    }

    /// <summary>
    /// The perfect subtrees covering [start, end), largest first. Every range in an RFC 9162 proof starts at a multiple
    /// of the power of two at or above its length, so taking the bits of the length from the top always lands on
    /// aligned subtrees; anything else is a bug in the planning, not bad input.
    /// </summary>
    private static void AddPerfectCover(long start, long end, List<NodeId> nodes)
    {
        var length = end - start;
        var position = start;
        for (var level = 62; level >= 0; level--)
        {
            var width = 1L << level;
            if ((length & width) == 0)
            {
                continue;
            }
            if ((position & (width - 1)) != 0)
            {
                throw new InvalidOperationException($"Bad index math: range [{start}, {end}) is not aligned at level {level}.");
            }
            nodes.Add(new NodeId(level, position >> level));
            position += width;
        }
    }
}
