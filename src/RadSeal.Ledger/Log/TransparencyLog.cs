using System.Security.Cryptography;
using System.Threading.Channels;
using RadSeal.Ledger.Checkpoints;
using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Merkle;
using RadSeal.Ledger.Storage;
using RadSeal.Ledger.Tiles;

namespace RadSeal.Ledger.Log;

/// <summary>Settings read when a log is first created (later opens keep what the store holds).</summary>
public sealed record LogOptions
{
    /// <summary>The checkpoint origin and signing key name for a new log (default: radseal.invalid/ledger/ and 8 random hex digits).</summary>
    public string? Origin { get; init; }

    /// <summary>The most entries sequenced into one batch (one commit, one checkpoint).</summary>
    public int MaxBatchSize { get; init; } = 4096;

    /// <summary>The clock that stamps integration times.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>What the log hands back for an appended entry, once it is durable and covered by a signed checkpoint.</summary>
public sealed record AppendReceipt(long Index, Hash LeafHash, byte[] Entry, SignedCheckpoint Checkpoint);

/// <summary>An inclusion proof for one leaf in one tree size.</summary>
public sealed record InclusionProof(long Index, long TreeSize, Hash LeafHash, Hash[] Hashes);

/// <summary>
/// The sequencer: it batches submissions, assigns indexes and the integration time, extends the Merkle tree, signs a
/// checkpoint and commits all of it in one durable store transaction before any submitter hears back. It also answers
/// proofs and tiles from the store. One instance writes to a store at a time; a second writer is detected by the store
/// (<see cref="ConcurrentAppendException"/>) and this one reloads before retrying.
/// </summary>
public sealed class TransparencyLog : IAsyncDisposable
{
    private const string OriginSetting = "origin";
    private const string SigningKeySetting = "signing_key";
    private const string CommitmentKeySetting = "commitment_key";

    private readonly ILogStore _store;
    private readonly NoteSigner _signer;
    private readonly byte[] _commitmentKey;
    private readonly LogOptions _options;
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(100_000) { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sequencer;
    private CompactRange _tree;
    private SignedCheckpoint _checkpoint;
    private long _lastTime;

    private TransparencyLog(ILogStore store, NoteSigner signer, byte[] commitmentKey, LogOptions options, CompactRange tree, SignedCheckpoint checkpoint)
    {
        _store = store;
        _signer = signer;
        _commitmentKey = commitmentKey;
        _options = options;
        _tree = tree;
        _checkpoint = checkpoint;
        _sequencer = Task.Run(SequenceAsync);
    }

    /// <summary>The log's origin (the first line of its checkpoints).</summary>
    public string Origin => _signer.Name;

    /// <summary>The log's public key, as a vkey (publish it: verifiers and witnesses need it).</summary>
    public NoteVerifier PublicKey => _signer.Verifier;

    /// <summary>The latest committed, signed checkpoint.</summary>
    public SignedCheckpoint Checkpoint => Volatile.Read(ref _checkpoint);

    /// <summary>The store behind the log.</summary>
    public ILogStore Store => _store;

    /// <summary>
    /// Opens (creating on first use) the log in <paramref name="store"/>. The stored right edge of the tree must
    /// reproduce the latest signed checkpoint; if it does not, the store was altered and the log refuses to open.
    /// </summary>
    /// <exception cref="LogIntegrityException">Stored data contradicts the signed checkpoint.</exception>
    public static async Task<TransparencyLog> OpenAsync(ILogStore store, LogOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new LogOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1);
        var state = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        var origin = await store.InitSettingAsync(OriginSetting, options.Origin ?? $"radseal.invalid/ledger/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}", cancellationToken).ConfigureAwait(false);
        string skey;
        using (var fresh = NoteSigner.Generate(origin))
        {
            skey = await store.InitSettingAsync(SigningKeySetting, fresh.Format(), cancellationToken).ConfigureAwait(false);
        }
        var commitmentKey = Convert.FromBase64String(await store.InitSettingAsync(CommitmentKeySetting, Convert.ToBase64String(SubjectCommitments.NewKey()), cancellationToken).ConfigureAwait(false));
        var signer = NoteSigner.Parse(skey);
        try
        {
            var (tree, checkpoint) = await LoadAsync(store, signer, state, cancellationToken).ConfigureAwait(false);
            return new TransparencyLog(store, signer, commitmentKey, options, tree, checkpoint);
        }
        catch
        {
            signer.Dispose();
            throw;
        }
    }

    private static async Task<(CompactRange, SignedCheckpoint)> LoadAsync(ILogStore store, NoteSigner signer, StoredLogState state, CancellationToken cancellationToken)
    {
        var frontier = CompactRange.FrontierNodes(state.Size);
        var tree = CompactRange.FromFrontier(state.Size, await store.ReadHashesAsync(frontier, cancellationToken).ConfigureAwait(false));
        if (state.Checkpoint is null)
        {
            if (state.Size != 0)
            {
                throw new LogIntegrityException($"The store holds {state.Size} entries but no checkpoint.");
            }
            return (tree, SignedCheckpoint.Sign(new Checkpoint(signer.Name, 0, TreeHasher.EmptyRoot), signer));
        }
        SignedCheckpoint checkpoint;
        try
        {
            checkpoint = SignedCheckpoint.Open(state.Checkpoint, signer.Verifier, signer.Name);
        }
        catch (Exception e) when (e is LedgerFormatException or InvalidSignatureException or UnverifiedNoteException)
        {
            throw new LogIntegrityException("The stored checkpoint does not verify with the log's key: " + e.Message, e);
        }
        if (checkpoint.Checkpoint.Size != state.Size || checkpoint.Checkpoint.Root != tree.Root())
        {
            throw new LogIntegrityException(
                $"The stored tree (size {state.Size}, root {tree.Root()}) does not match the signed checkpoint (size {checkpoint.Checkpoint.Size}, root {checkpoint.Checkpoint.Root}): stored hashes were altered.");
        }
        return (tree, checkpoint);
    }

    /// <summary>Commits a SOP Instance UID with this log's commitment key (see <see cref="SubjectCommitments"/>).</summary>
    public Hash CommitSubject(string sopInstanceUid) => SubjectCommitments.Compute(_commitmentKey, sopInstanceUid);

    /// <summary>
    /// Appends an entry. Completes only after the entry, the tree nodes and a checkpoint covering it are committed
    /// durably; a fault or cancellation before that means the entry may or may not have been logged, never that a
    /// completed append was lost.
    /// </summary>
    public async Task<AppendReceipt> AppendAsync(EntrySubmission submission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var pending = new Pending(submission);
        await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed class Pending(EntrySubmission submission)
    {
        public EntrySubmission Submission { get; } = submission;

        public TaskCompletionSource<AppendReceipt> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private async Task SequenceAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>(_options.MaxBatchSize);
        try
        {
            while (await WaitOrRefreshAsync(reader).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var item))
                {
                    batch.Add(item);
                }
                if (batch.Count == 0)
                {
                    continue;
                }
                try
                {
                    // Another writer on the same store makes a commit fail with ConcurrentAppendException: reload the
                    // edge and checkpoint it left and sequence the batch again on top, a bounded number of times.
                    for (var attempt = 1; ; attempt++)
                    {
                        try
                        {
                            await CommitAsync(batch).ConfigureAwait(false);
                            break;
                        }
                        catch (ConcurrentAppendException) when (attempt < 50)
                        {
                            await ReloadAsync().ConfigureAwait(false);
                        }
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The transaction rolled back (or its outcome is unknown): reload what is really committed.
                    Fail(batch, e);
                    try
                    {
                        await ReloadAsync().ConfigureAwait(false);
                    }
                    catch (Exception reload) when (reload is not OperationCanceledException)
                    {
                        _queue.Writer.TryComplete(reload);
                        throw;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            while (reader.TryRead(out var left))
            {
                left.Completion.TrySetException(new ObjectDisposedException(nameof(TransparencyLog), "The log closed before this entry was sequenced."));
            }
            foreach (var p in batch)
            {
                p.Completion.TrySetCanceled();
            }
        }
    }

    /// <summary>
    /// Waits for submissions; while idle, looks once a second whether another writer (say `radseal log append` on the
    /// same store) committed, so the checkpoint served never lags by more than that.
    /// </summary>
    private async Task<bool> WaitOrRefreshAsync(ChannelReader<Pending> reader)
    {
        while (true)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            idle.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                return await reader.WaitToReadAsync(idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                try
                {
                    var state = await _store.ReadStateAsync(_stop.Token).ConfigureAwait(false);
                    if (state.Size != _tree.Size)
                    {
                        await ReloadAsync().ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is System.Data.Common.DbException or IOException or LogIntegrityException)
                {
                    // A transient read failure changes nothing; the next commit checks the size again anyway.
                }
            }
        }
    }

    private static void Fail(List<Pending> batch, Exception e)
    {
        foreach (var p in batch)
        {
            p.Completion.TrySetException(e);
        }
    }

    private async Task ReloadAsync()
    {
        var state = await _store.OpenAsync(_stop.Token).ConfigureAwait(false);
        var (tree, checkpoint) = await LoadAsync(_store, _signer, state, _stop.Token).ConfigureAwait(false);
        _tree = tree;
        Volatile.Write(ref _checkpoint, checkpoint);
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        var now = Math.Max(_options.Time.GetUtcNow().ToUnixTimeMilliseconds(), _lastTime);
        var time = DateTimeOffset.FromUnixTimeMilliseconds(now);
        var tree = _tree.Clone();
        var first = tree.Size;
        var entries = new byte[batch.Count][];
        var leaves = new Hash[batch.Count];
        var nodes = new List<(NodeId, Hash)>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            entries[i] = new LogEntry(batch[i].Submission, time).Encode();
            leaves[i] = TreeHasher.HashLeaf(entries[i]);
            tree.Append(leaves[i], (id, hash) =>
            {
                if (id.Level > 0)
                {
                    nodes.Add((id, hash));
                }
            });
        }
        var checkpoint = SignedCheckpoint.Sign(new Checkpoint(Origin, tree.Size, tree.Root()), _signer);
        await _store.AppendBatchAsync(new LogBatch(first, entries, leaves, nodes, tree.Size, checkpoint.Format()), _stop.Token).ConfigureAwait(false);
        // Durable: only now does anything outside see the new state.
        _tree = tree;
        _lastTime = now;
        Volatile.Write(ref _checkpoint, checkpoint);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(new AppendReceipt(first + i, leaves[i], entries[i], checkpoint));
        }
    }

    /// <summary>The inclusion proof of leaf <paramref name="index"/> in the tree of <paramref name="treeSize"/> leaves.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index or size is beyond the latest checkpoint.</exception>
    public async Task<InclusionProof> ProveInclusionAsync(long index, long treeSize, CancellationToken cancellationToken = default)
    {
        var size = Checkpoint.Checkpoint.Size;
        if (treeSize > size || treeSize <= 0 || index < 0 || index >= treeSize)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"No proof of leaf {index} in a tree of size {treeSize} (the log has {size}).");
        }
        var plan = Proofs.PlanInclusion(index, treeSize);
        var hashes = await _store.ReadHashesAsync([.. plan.Nodes, new NodeId(0, index)], cancellationToken).ConfigureAwait(false);
        return new InclusionProof(index, treeSize, hashes[^1], plan.Assemble(hashes[..^1]));
    }

    /// <summary>The inclusion proof of the first entry with <paramref name="leafHash"/>, or null if no entry has it.</summary>
    public async Task<InclusionProof?> ProveInclusionAsync(Hash leafHash, long treeSize, CancellationToken cancellationToken = default)
    {
        var index = await _store.FindLeafAsync(leafHash, cancellationToken).ConfigureAwait(false);
        if (index is null || index >= treeSize)
        {
            return null;
        }
        var proof = await ProveInclusionAsync(index.Value, treeSize, cancellationToken).ConfigureAwait(false);
        return proof.LeafHash == leafHash ? proof : throw new LogIntegrityException($"Entry {index} is indexed under {leafHash} but its stored leaf hash is {proof.LeafHash}.");
    }

    /// <summary>The consistency proof between two tree sizes (both at most the latest checkpoint's).</summary>
    public async Task<Hash[]> ProveConsistencyAsync(long size1, long size2, CancellationToken cancellationToken = default)
    {
        var size = Checkpoint.Checkpoint.Size;
        if (size1 < 0 || size1 > size2 || size2 > size)
        {
            throw new ArgumentOutOfRangeException(nameof(size1), $"No consistency proof from {size1} to {size2} (the log has {size}).");
        }
        var plan = Proofs.PlanConsistency(size1, size2);
        return plan.Assemble(await _store.ReadHashesAsync(plan.Nodes, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// A tile or entry bundle as served by tlog-tiles, or null when the latest checkpoint does not cover it (a full tile
    /// that is still partial, or a partial one wider than what exists).
    /// </summary>
    public async Task<byte[]?> ReadTileAsync(TilePath tile, CancellationToken cancellationToken = default)
    {
        var available = TilePath.WidthAt(tile.Level, tile.Index, Checkpoint.Checkpoint.Size);
        if (available == 0 || tile.Width > available)
        {
            return null;
        }
        if (tile.IsEntryBundle)
        {
            var entries = await _store.ReadEntriesAsync(tile.FirstNode, tile.Width, cancellationToken).ConfigureAwait(false);
            return EntryBundle.Encode(entries.Select(e => (ReadOnlyMemory<byte>)e));
        }
        var hashes = await _store.ReadHashRangeAsync(tile.TreeLevel, tile.FirstNode, tile.Width, cancellationToken).ConfigureAwait(false);
        var bytes = new byte[hashes.Length * Hash.Size];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i].CopyTo(bytes.AsSpan(i * Hash.Size, Hash.Size));
        }
        return bytes;
    }

    /// <summary>Stops sequencing; entries not yet committed fail. Committed entries are unaffected.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _sequencer.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The sequencer already failed the entries it held; closing must not throw.
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _stop.Dispose();
        _signer.Dispose();
    }
}
