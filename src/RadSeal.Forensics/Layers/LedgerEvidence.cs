using System.Data.Common;
using System.Globalization;
using RadSeal.Ledger;
using RadSeal.Ledger.Checkpoints;
using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Merkle;
using RadSeal.Ledger.Storage;
using RadSeal.Provenance.Logging;

namespace RadSeal.Forensics.Layers;

/// <summary>The proof hashes (leaf to root) a log gives for one leaf; null when it has none. Untrusted until verified.</summary>
public delegate Task<Hash[]?> InclusionProver(long index, long treeSize, CancellationToken cancellationToken);

/// <summary>
/// A transparency log as a verifier sees it: public resources only (the signed checkpoint, tlog-tiles, inclusion proofs)
/// and the log's verifier key, trusted out of band. Nothing the log serves is believed until it checks against that key.
/// </summary>
/// <param name="Name">How reports name the log (its URL or store path).</param>
public sealed record LedgerSource(string Name, NoteVerifier LogKey, Func<CancellationToken, Task<string>> ReadCheckpoint, TileSource ReadTile, InclusionProver ProveInclusion)
{
    /// <summary>A log server (`radseal log serve` or the gateway's): `/checkpoint`, `/tile/…`, `/log/v1/proof/inclusion`.</summary>
    public static LedgerSource Http(HttpClient client, NoteVerifier logKey)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new LedgerSource(client.BaseAddress?.ToString() ?? "log server", logKey, ct => LogHttp.GetCheckpointAsync(client, ct), LogHttp.Tiles(client),
            (index, size, ct) => LogHttp.GetInclusionProofAsync(client, index, size, ct));
    }

    /// <summary>A log opened from its store (offline use and tests); read through the same resources the server serves.</summary>
    public static LedgerSource Local(TransparencyLog log, NoteVerifier logKey, string name)
    {
        ArgumentNullException.ThrowIfNull(log);
        return new LedgerSource(name, logKey, _ => Task.FromResult(log.Checkpoint.Format()), (tile, ct) => log.ReadTileAsync(tile, ct),
            async (index, size, ct) => (await log.ProveInclusionAsync(index, size, ct).ConfigureAwait(false)).Hashes);
    }
}

/// <summary>
/// Ledger inclusion for the RadSeal proof layer. Once per run it verifies the signed checkpoint with the log's key and
/// re-hashes every entry bundle (the audit of `radseal log audit`), keeping the entries by pixel hash: so "not found" means
/// not in the tree that checkpoint signs, not merely "not served". Per image it looks up the entries with the image's
/// pixel hash (and signature hash when signed), fetches each one's RFC 9162 inclusion proof and verifies it against the
/// checkpoint's root. Fails closed: anything that does not verify is "unverifiable", never "included".
/// </summary>
internal sealed class LedgerCheck
{
    /// <summary>Entries of one image whose proofs are checked (re-logging the same image is normal; hundreds are not).</summary>
    private const int MaxProofs = 16;

    private readonly LedgerSource source;
    private readonly Lazy<Task<Snapshot>> snapshot;

    /// <param name="previous">
    /// A check of the same log made earlier: its last verified tree is extended to the log's new checkpoint (only the new
    /// entries are fetched and re-hashed) instead of scanning the whole log again. Null: a full audit.
    /// </param>
    public LedgerCheck(LedgerSource source, LedgerCheck? previous = null)
    {
        this.source = source;
        // One scan serves every image of a run; a failure is kept too, so each image reports it.
        snapshot = new Lazy<Task<Snapshot>>(
            async () => await ScanAsync(source, previous is null ? null : (await previous.snapshot.Value.ConfigureAwait(false)).Verified).ConfigureAwait(false),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>A tree this reader verified (checkpoint, compact range) and the entries it holds, indexed by pixel hash.</summary>
    private sealed record VerifiedTree(Checkpoint Checkpoint, CompactRange Tree, EntryIndex Index);

    /// <summary>
    /// What one scan gives: the last tree verified so far, and why this scan could not verify the log (null when it
    /// did: then that tree is this scan's and the one to answer from).
    /// </summary>
    private sealed record Snapshot(VerifiedTree? Verified, string? Problem);

    /// <summary>
    /// The entries of the verified trees by pixel hash, shared by a check and the checks that extend it: entries are only
    /// added once the tree they belong to has verified, and each reader sees only those below its own checkpoint's size.
    /// </summary>
    private sealed class EntryIndex
    {
        private readonly Lock gate = new();
        private readonly Dictionary<Hash, List<(long Index, byte[] Entry, LogEntry Decoded)>> byPixels = [];

        public void Add(IEnumerable<(long Index, byte[] Entry, LogEntry Decoded)> entries)
        {
            lock (gate)
            {
                foreach (var e in entries)
                {
                    if (!byPixels.TryGetValue(e.Decoded.Submission.PixelHash, out var list))
                    {
                        byPixels[e.Decoded.Submission.PixelHash] = list = [];
                    }
                    list.Add(e);
                }
            }
        }

        public List<(long Index, byte[] Entry, LogEntry Decoded)>? Find(Hash pixels, long size)
        {
            lock (gate)
            {
                return byPixels.TryGetValue(pixels, out var list) ? [.. list.Where(e => e.Index < size)] : null;
            }
        }
    }

    private static bool IsLogFailure(Exception e) =>
        e is HttpRequestException or LogServerException or TaskCanceledException or LedgerFormatException or InvalidSignatureException
            or UnverifiedNoteException or LogIntegrityException or DbException or IOException or ArgumentOutOfRangeException;

    private static async Task<Snapshot> ScanAsync(LedgerSource source, VerifiedTree? verified)
    {
        Checkpoint checkpoint;
        try
        {
            var text = await source.ReadCheckpoint(CancellationToken.None).ConfigureAwait(false);
            checkpoint = SignedCheckpoint.Open(text, source.LogKey, source.LogKey.Name).Checkpoint;
        }
        catch (Exception e) when (IsLogFailure(e))
        {
            return new Snapshot(verified, $"the log's checkpoint could not be read or does not verify with the given key ({e.Message})");
        }
        var seen = new List<(long, byte[], LogEntry)>();
        void Visit(long index, byte[] bytes)
        {
            try
            {
                seen.Add((index, bytes, LogEntry.Decode(bytes)));
            }
            catch (LedgerFormatException)
            {
                // A later format this reader does not know cannot describe this image; it still counts for the root.
            }
        }
        AuditReport report;
        CompactRange? tree;
        try
        {
            (report, tree) = verified is null
                ? await LogAuditor.AuditTreeAsync(source.ReadTile, checkpoint, maxProblems: 1, visitEntry: Visit).ConfigureAwait(false)
                : await LogAuditor.ExtendAsync(source.ReadTile, verified.Tree, checkpoint, maxProblems: 1, visitEntry: Visit).ConfigureAwait(false);
        }
        catch (Exception e) when (IsLogFailure(e))
        {
            return new Snapshot(verified, $"the log's entries could not be read ({e.Message})");
        }
        if (!report.IsConsistent || tree is null)
        {
            return new Snapshot(verified, $"the entries the log serves do not hash to its signed checkpoint ({report.Problems[0]})");
        }
        var index = verified?.Index ?? new EntryIndex();
        index.Add(seen);
        var now = new VerifiedTree(checkpoint, tree, index);
        return new Snapshot(now, null);
    }

    /// <summary>The findings for one image described as the ledger describes it, and what they weigh.</summary>
    public async Task<(IReadOnlyList<Finding> Findings, LayerOutcome Outcome)> CheckAsync(ImageEntry image, CancellationToken cancellationToken)
    {
        const string Layer = LayerNames.RadSeal;
        var snap = await snapshot.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (snap.Problem is not null || snap.Verified is not { } tree)
        {
            return Unverifiable(snap.Problem ?? "the log was not verified");
        }
        var size = tree.Checkpoint.Size;
        var signed = image.SignatureHash != default;
        var all = tree.Index.Find(image.PixelHash, size);
        var matches = all is not null
            ? all.Where(m => !signed || m.Decoded.Submission.SignatureHash == image.SignatureHash)
                // An unsigned copy is reported against an unsigned entry when there is one (a signed original's entry
                // also matches its pixels: then the signature was stripped, or the image was logged both ways).
                .OrderBy(m => m.Decoded.Submission.SignatureHash != default).ThenBy(m => m.Index).ToList()
            : [];
        if (matches.Count == 0)
        {
            var pixelsOnly = signed && all is { Count: > 0 } ? $" (entry {all[0].Index} records these pixels with a different signature)" : "";
            return ([Finding.Warn(Layer, "LEDGER_NOT_FOUND",
                $"not in the transparency log {source.Name}: none of the {size} entries behind its signed checkpoint records these pixels" +
                (signed ? " with this signature" : "") + pixelsOnly + "; a site that logs every image it signs or accepts never saw this one")], LayerOutcome.Suspicious);
        }
        foreach (var (index, entry, _) in matches.Take(MaxProofs))
        {
            Hash[]? proof;
            try
            {
                proof = await source.ProveInclusion(index, size, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsLogFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                return Unverifiable($"the inclusion proof of entry {index} could not be fetched ({e.Message})");
            }
            if (proof is null)
            {
                return Unverifiable($"the log serves entry {index} but no inclusion proof for it");
            }
            var result = Proofs.VerifyInclusion(index, size, TreeHasher.HashLeaf(entry), proof, tree.Checkpoint.Root);
            if (!result.IsValid)
            {
                return Unverifiable($"the inclusion proof of entry {index} does not verify against the signed checkpoint of size {size} ({result.Failure}: {result.Message})");
            }
        }
        var (first, _, logged) = matches[0];
        var findings = new List<Finding>();
        var outcome = LayerOutcome.Inconclusive;
        string signer;
        if (!signed)
        {
            signer = logged.Submission.SignatureHash == default
                ? "; the image was logged unsigned"
                : "; the logged image carried a digital signature that this copy does not";
        }
        else if (logged.Submission.DeviceCertificateFingerprint == image.DeviceCertificateFingerprint)
        {
            signer = "; the logged device certificate fingerprint matches the signer's certificate";
        }
        else
        {
            signer = "";
            findings.Add(Finding.Warn(Layer, "LEDGER_DEVICE_MISMATCH",
                $"entry {first} records device certificate {logged.Submission.DeviceCertificateFingerprint.ToHex()[..16]}…, but this file's signer certificate is {image.DeviceCertificateFingerprint.ToHex()[..16]}…: the certificate was replaced after logging"));
            outcome = LayerOutcome.Suspicious;
        }
        var more = matches.Count > 1 ? $" ({matches.Count} entries record these pixels{(signed ? " and signature" : "")}; {Math.Min(matches.Count, MaxProofs)} proofs verified)" : "";
        findings.Insert(0, Finding.Info(Layer, "LEDGER_INCLUDED", string.Create(CultureInfo.InvariantCulture,
            $"in the transparency log {tree.Checkpoint.Origin}: entry {first}, integrated {logged.IntegratedAt:yyyy-MM-dd HH:mm:ss} UTC; inclusion proof verified against its signed checkpoint of size {size}{signer}{more}")));
        return (findings, outcome);
    }

    private static (IReadOnlyList<Finding>, LayerOutcome) Unverifiable(string why) =>
        ([Finding.Warn(LayerNames.RadSeal, "LEDGER_UNVERIFIABLE", $"ledger inclusion could not be verified: {why}; this is not proof either way")], LayerOutcome.Suspicious);
}

/// <summary>
/// Ledger inclusion as a standing question, for a long-running reader such as the gate (`requireLedgerInclusion`): the
/// same verification as `radseal inspect --log` (<see cref="LedgerCheck"/>), but an image not found in the scanned tree,
/// or a log that could not be verified, is asked again against a fresh scan begun after the question was, because the
/// log grows while the reader runs. Concurrent misses share one fresh scan. Fails closed like the inspector: only
/// LEDGER_INCLUDED without warnings is inclusion.
/// </summary>
public sealed class LedgerInclusion
{
    private readonly LedgerSource source;
    private readonly Lock gate = new();
    private LedgerCheck current;
    private long currentCreated;

    public LedgerInclusion(LedgerSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        this.source = source;
        current = new LedgerCheck(source);
        currentCreated = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>How reports name the log.</summary>
    public string Name => source.Name;

    /// <summary>The ledger findings for one DICOM image (codes as in docs/forensics.md) and whether it is included.</summary>
    public async Task<(IReadOnlyList<Finding> Findings, bool Included)> CheckAsync(RadSeal.Dicom.DicomFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ImageEntry image;
        try
        {
            image = ImageEntries.Describe(file);
        }
        catch (RadSeal.Dicom.DicomFormatException ex)
        {
            return ([Finding.Warn(LayerNames.RadSeal, "LEDGER_NOT_APPLICABLE", $"the file cannot be described as the ledger records images ({ex.Message})")], false);
        }
        var asked = System.Diagnostics.Stopwatch.GetTimestamp();
        LedgerCheck check;
        lock (gate)
        {
            check = current;
        }
        var (findings, _) = await check.CheckAsync(image, cancellationToken).ConfigureAwait(false);
        if (Included(findings))
        {
            return (findings, true);
        }
        lock (gate)
        {
            // A scan created after this question began has seen everything logged before the image arrived.
            if (currentCreated <= asked)
            {
                // Extends the last verified tree: only what was logged since is fetched and re-hashed.
                current = new LedgerCheck(source, previous: current);
                currentCreated = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            check = current;
        }
        (findings, _) = await check.CheckAsync(image, cancellationToken).ConfigureAwait(false);
        return (findings, Included(findings));
    }

    private static bool Included(IReadOnlyList<Finding> findings) =>
        findings.Any(f => f.Code == "LEDGER_INCLUDED") && findings.All(f => f.Severity == Severity.Info);
}
