namespace RadSeal.Ledger.Merkle;

/// <summary>
/// The right edge of a growing tree: the hashes of the perfect subtrees that together cover leaves [0, Size), largest
/// first (one per set bit of Size). Appending a leaf merges equal-sized neighbours and reports every perfect node it
/// completes, which is exactly what the store must persist; the root is these hashes folded from the right.
/// </summary>
public sealed class CompactRange
{
    private readonly List<Hash> _hashes;

    /// <summary>An empty range.</summary>
    public CompactRange()
    {
        _hashes = [];
    }

    private CompactRange(long size, List<Hash> hashes)
    {
        Size = size;
        _hashes = hashes;
    }

    /// <summary>The number of leaves covered.</summary>
    public long Size { get; private set; }

    /// <summary>The perfect nodes whose hashes describe a tree of <paramref name="size"/> leaves, largest first.</summary>
    public static NodeId[] FrontierNodes(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var nodes = new NodeId[long.PopCount(size)];
        long position = 0;
        var i = 0;
        for (var level = 62; level >= 0; level--)
        {
            var width = 1L << level;
            if ((size & width) != 0)
            {
                nodes[i++] = new NodeId(level, position >> level);
                position += width;
            }
        }
        return nodes;
    }

    /// <summary>Rebuilds a range from stored hashes of <see cref="FrontierNodes"/>(size), in that order.</summary>
    public static CompactRange FromFrontier(long size, IReadOnlyList<Hash> hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        if (hashes.Count != long.PopCount(size))
        {
            throw new ArgumentException($"A tree of size {size} has {long.PopCount(size)} frontier hashes, not {hashes.Count}.", nameof(hashes));
        }
        return new CompactRange(size, [.. hashes]);
    }

    /// <summary>The hashes of <see cref="FrontierNodes"/>(Size), largest subtree first.</summary>
    public IReadOnlyList<Hash> Frontier => _hashes;

    /// <summary>
    /// Appends one leaf hash and calls <paramref name="completed"/> for the leaf and for each perfect node it completes
    /// (lowest level first).
    /// </summary>
    public void Append(Hash leafHash, Action<NodeId, Hash>? completed = null)
    {
        var index = Size;
        var hash = leafHash;
        var node = new NodeId(0, index);
        completed?.Invoke(node, hash);
        // An odd index is a right child: its left sibling is the last hash on the edge; merge until a left child.
        while ((node.Index & 1) == 1)
        {
            var left = _hashes[^1];
            _hashes.RemoveAt(_hashes.Count - 1);
            hash = TreeHasher.HashChildren(left, hash);
            node = node.Parent;
            completed?.Invoke(node, hash);
        }
        _hashes.Add(hash);
        Size = index + 1;
    }

    /// <summary>RFC 9162 MTH of the leaves covered: the edge folded from the right (the empty-tree hash when empty).</summary>
    public Hash Root()
    {
        if (_hashes.Count == 0)
        {
            return TreeHasher.EmptyRoot;
        }
        var root = _hashes[^1];
        for (var i = _hashes.Count - 2; i >= 0; i--)
        {
            root = TreeHasher.HashChildren(_hashes[i], root);
        }
        return root;
    }

    /// <summary>An independent copy.</summary>
    public CompactRange Clone() => new(Size, [.. _hashes]);
}
