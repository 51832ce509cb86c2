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
        CancellationToken cancellationToken = default) =>
        (await AuditTreeAsync(fetch, checkpoint, maxProblems, visitEntry, cancellationToken).ConfigureAwait(false)).Report;

    /// <summary>
    /// <see cref="AuditAsync"/>, also giving the recomputed tree (its compact range), which <see cref="ExtendAsync"/> can
    /// carry forward when the log grows; null unless the report is consistent.
    /// </summary>
    public static Task<(AuditReport Report, CompactRange? Tree)> AuditTreeAsync(TileSource fetch, Checkpoint checkpoint, int maxProblems = 20,
        Action<long, byte[]>? visitEntry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        ArgumentNullException.ThrowIfNull(checkpoint);
        return CoreAsync(fetch, new CompactRange(), checkpoint, maxProblems, visitEntry, checkUpperTiles: true, cancellationToken);
    }

    /// <summary>
    /// Extends a tree this reader verified before (<paramref name="verified"/>, from <see cref="AuditTreeAsync"/> or an
    /// earlier extension; left unchanged) to the grown log of <paramref name="checkpoint"/> (already verified against the
    /// log's key): only the entries from <c>verified.Size</c> on are fetched and re-hashed. The root recomputed from the
    /// old compact range plus the new leaves must equal the signed one, which also proves the log only grew (the old
    /// leaves enter the root through nothing but their verified range); a smaller checkpoint is a problem, never a
    /// restart. Tiles above level 0 are not compared here (the full audit does that); the root decides.
    /// </summary>
    public static Task<(AuditReport Report, CompactRange? Tree)> ExtendAsync(TileSource fetch, CompactRange verified, Checkpoint checkpoint,
        int maxProblems = 20, Action<long, byte[]>? visitEntry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        ArgumentNullException.ThrowIfNull(verified);
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.Size < verified.Size)
        {
            var problem = $"the log's checkpoint has size {checkpoint.Size}, smaller than the {verified.Size} entries already verified: the log is not append-only";
            return Task.FromResult<(AuditReport, CompactRange?)>((new AuditReport(checkpoint.Size, 0, 0, [problem]), null));
        }
        return CoreAsync(fetch, verified.Clone(), checkpoint, maxProblems, visitEntry, checkUpperTiles: false, cancellationToken);
    }

    private static async Task<(AuditReport Report, CompactRange? Tree)> CoreAsync(TileSource fetch, CompactRange tree, Checkpoint checkpoint,
        int maxProblems, Action<long, byte[]>? visitEntry, bool checkUpperTiles, CancellationToken cancellationToken)
    {
        var size = checkpoint.Size;
        var from = tree.Size;
        var checkedEntries = 0L;
        var problems = new List<string>();
        var tilesChecked = 0;
        // Hashes at tree levels 8, 16, ... that the audit recomputed, to compare with the tiles of levels 1, 2, ...
        var upper = new Dictionary<NodeId, Hash>();
        void Problem(string p)
        {
            if (problems.Count < maxProblems)
            {
                problems.Add(p);
            }
        }
        for (long n = from / TilePath.FullWidth; n * TilePath.FullWidth < size && problems.Count < maxProblems; n++)
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
            // An extension starts inside the tile that was partial: the entries before it are in the verified range.
            for (var i = (int)Math.Max(0, from - n * TilePath.FullWidth); i < width; i++)
            {
                var leaf = TreeHasher.HashLeaf(entries[i]);
                checkedEntries++;
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
            return (new AuditReport(size, checkedEntries, tilesChecked, problems), null);
        }
        for (var level = 1; checkUpperTiles && (size >> (level * TilePath.Height)) > 0; level++)
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
        return (new AuditReport(size, checkedEntries, tilesChecked, problems), problems.Count == 0 ? tree : null);
    }
}
