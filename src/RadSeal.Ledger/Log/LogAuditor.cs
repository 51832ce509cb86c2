using RadSeal.Ledger.Checkpoints;
using RadSeal.Ledger.Merkle;
using RadSeal.Ledger.Tiles;

namespace RadSeal.Ledger.Log;

/// <summary>Fetches a tlog-tiles resource; null when the log does not serve it.</summary>
public delegate Task<byte[]?> TileSource(TilePath tile, CancellationToken cancellationToken);

/// <summary>The outcome of an audit: what was checked and every disagreement found (empty when the log is sound).</summary>
public sealed record AuditReport(long TreeSize, long EntriesChecked, int TilesChecked, IReadOnlyList<string> Problems)
{
    /// <summary>True when every entry, tile and the root agree with the signed checkpoint.</summary>
    public bool IsConsistent => Problems.Count == 0;
}

/// <summary>
/// A monitor's full audit over nothing but the public tlog-tiles resources: it re-hashes every entry bundle, checks
/// each level-0 tile against those leaf hashes and each higher tile against the subtrees it recomputes, and requires
/// the recomputed root to equal the signed checkpoint's. It trusts nothing the log says except what it can recompute.
/// </summary>
public static class LogAuditor
{
    /// <summary>Audits the tree of <paramref name="checkpoint"/> (already verified against the log's key).</summary>
    /// <param name="visitEntry">Sees each entry (index, bytes) as it is re-hashed; what it saw is only sound when the
    /// report is consistent (readers that look entries up, like `radseal inspect --log`, use this to scan once).</param>
    public static async Task<AuditReport> AuditAsync(TileSource fetch, Checkpoint checkpoint, int maxProblems = 20, Action<long, byte[]>? visitEntry = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var size = checkpoint.Size;
        var problems = new List<string>();
        var tilesChecked = 0;
        var tree = new CompactRange();
        // Hashes at tree levels 8, 16, ... that the audit recomputed, to compare with the tiles of levels 1, 2, ...
        var upper = new Dictionary<NodeId, Hash>();
        void Problem(string p)
        {
            if (problems.Count < maxProblems)
            {
                problems.Add(p);
            }
        }
        for (long n = 0; n * TilePath.FullWidth < size && problems.Count < maxProblems; n++)
        {
            var width = TilePath.WidthAt(0, n, size);
            var bundlePath = TilePath.Entries(n, width);
            var tilePath = TilePath.Hashes(0, n, width);
            var bundle = await fetch(bundlePath, cancellationToken).ConfigureAwait(false);
            var tile = await fetch(tilePath, cancellationToken).ConfigureAwait(false);
            tilesChecked += 2;
            if (bundle is null || tile is null)
            {
                Problem($"{(bundle is null ? bundlePath : tilePath)} is not served although checkpoint size {size} requires it");
                break;
            }
            List<byte[]> entries;
            try
            {
                entries = EntryBundle.Decode(bundle);
            }
            catch (LedgerFormatException e)
            {
                Problem($"{bundlePath}: {e.Message}");
                break;
            }
            if (entries.Count != width || tile.Length != width * Hash.Size)
            {
                Problem($"{bundlePath} holds {entries.Count} entries and {tilePath} {tile.Length / Hash.Size} hashes; both should hold {width}");
                break;
            }
            for (var i = 0; i < width; i++)
            {
                var leaf = TreeHasher.HashLeaf(entries[i]);
                var served = Hash.FromBytes(tile.AsSpan(i * Hash.Size, Hash.Size));
                if (leaf != served)
                {
                    Problem($"entry {n * TilePath.FullWidth + i} hashes to {leaf} but {tilePath} says {served}");
                }
                visitEntry?.Invoke(n * TilePath.FullWidth + i, entries[i]);
                tree.Append(leaf, (id, hash) =>
                {
                    if (id.Level > 0 && id.Level % TilePath.Height == 0)
                    {
                        upper[id] = hash;
                    }
                });
            }
        }
        if (problems.Count > 0)
        {
            return new AuditReport(size, tree.Size, tilesChecked, problems);
        }
        for (var level = 1; (size >> (level * TilePath.Height)) > 0; level++)
        {
            var count = size >> (level * TilePath.Height);
            for (long n = 0; n * TilePath.FullWidth < count; n++)
            {
                var width = TilePath.WidthAt(level, n, size);
                var path = TilePath.Hashes(level, n, width);
                var tile = await fetch(path, cancellationToken).ConfigureAwait(false);
                tilesChecked++;
                if (tile is null || tile.Length != width * Hash.Size)
                {
                    Problem($"{path} is missing or not {width} hashes long");
                    continue;
                }
                for (var i = 0; i < width; i++)
                {
                    var id = new NodeId(level * TilePath.Height, n * TilePath.FullWidth + i);
                    var served = Hash.FromBytes(tile.AsSpan(i * Hash.Size, Hash.Size));
                    if (upper[id] != served)
                    {
                        Problem($"{path} hash {i} is {served}; the entries give {upper[id]}");
                    }
                }
            }
        }
        var root = tree.Root();
        if (root != checkpoint.Root)
        {
            Problem($"the entries give root {root}; the signed checkpoint says {checkpoint.Root}");
        }
        return new AuditReport(size, tree.Size, tilesChecked, problems);
    }
}
