namespace RadSeal.Ledger.Merkle;

/// <summary>
/// A perfect subtree of the log: level L and index n name the node whose leaves are [n·2^L, (n+1)·2^L).
/// Level 0 nodes are the leaves. Only perfect subtrees are ever stored; the hashes along the ragged right edge of a
/// tree that is not a power of two (RFC 9162's MTH of an uneven split) are recomputed from them.
/// </summary>
/// <remarks>
/// <code>
/// level 2                 (2,0)
///                    /             \
/// level 1        (1,0)             (1,1)           (1,2)
///               /     \           /     \         /     \
/// level 0    (0,0)   (0,1)     (0,2)   (0,3)   (0,4)   (0,5)   (0,6)      a tree of size 7
/// </code>
/// </remarks>
public readonly record struct NodeId(int Level, long Index)
{
    /// <summary>The first leaf under this node.</summary>
    public long Start => Index << Level;

    /// <summary>One past the last leaf under this node.</summary>
    public long End => (Index + 1) << Level;

    /// <summary>The node one level up that covers this one.</summary>
    public NodeId Parent => new(Level + 1, Index >> 1);

    /// <inheritdoc/>
    public override string ToString() => $"({Level},{Index})";
}
