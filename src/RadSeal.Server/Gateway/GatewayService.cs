using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RadSeal.Dicom;
using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Log;
using RadSeal.Provenance.Logging;
using RadSeal.Provenance.Signatures;
using RadSeal.Server.Ledger;
using RadSeal.Watermark;

namespace RadSeal.Server.Gateway;

/// <summary>
/// The gateway pipeline (docs/gateway.md): ingest into a durable spool, then per image — checks (gate) or mark and sign
/// (edge) — a decision logged in the ledger and the audit log before it takes effect, then forward or quarantine.
/// Spool layout: tmp/ (partial uploads), incoming/ (durable, undecided), outbox/ (accepted, not yet forwarded),
/// quarantine/ ({id}.dcm + {id}.json), archive/ (embedded archive), forwarded.log, audit.log. Everything in
/// incoming/ and outbox/ is picked up again at start, so an image that got a success status is never lost.
/// </summary>
public sealed partial class GatewayService : IHostedService, IDisposable
{
    private readonly GatewayOptions _options;
    private readonly LedgerHost? _ledger;
    private readonly ILogger<GatewayService> _logger;
    private readonly GatewayMetrics _metrics;
    private readonly IReadOnlyList<IGateCheck> _checks;
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    private readonly Channel<string> _forwards = Channel.CreateUnbounded<string>();
    private readonly Channel<Decision> _decided = Channel.CreateUnbounded<Decision>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, byte> _busy = new(StringComparer.Ordinal);
    private readonly HashSet<string> _forwarded = new(StringComparer.Ordinal);
    private readonly Lock _forwardGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient? _http;
    private AuditLog? _audit;
    private DurableAppendFile? _forwardJournal;
    private Task[] _tasks = [];
    private BackgroundScheduler? _workerThreads;
    private long _sequence;

    public GatewayService(GatewayOptions options, IServiceProvider services, ILogger<GatewayService> logger, GatewayMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        _options = options;
        _ledger = services.GetService(typeof(LedgerHost)) as LedgerHost;
        _logger = logger;
        _metrics = metrics;
        _checks = GateChecks.For(options.Policy, options.TrustAnchors);
        Root = Path.GetFullPath(options.SpoolDirectory);
        Archive = new ArchiveStore(Path.Combine(Root, "archive"));
        if (options.Forward is { } forward)
        {
            if (forward.Scheme == "dicom")
            {
                Forwarder = new CStoreForwarder(CStoreForwarder.ParsePeer(forward, options.AeTitle), new RadSeal.Dicom.Networking.DicomClient());
            }
            else if (forward.Scheme is "http" or "https")
            {
                _http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
                Forwarder = new StowRsForwarder(forward, _http);
            }
            else
            {
                throw new ArgumentException($"forward target {forward}: use an http(s) DICOMweb root or dicom://AET@HOST:PORT");
            }
        }
        else
        {
            Forwarder = new ArchiveForwarder(Archive);
        }
        metrics.Observe(this);
    }

    public string Root { get; }

    public ArchiveStore Archive { get; }

    public IForwarder Forwarder { get; }

    public GatewayOptions Options => _options;

    private string Tmp => Path.Combine(Root, "tmp");

    private string Incoming => Path.Combine(Root, "incoming");

    private string Outbox => Path.Combine(Root, "outbox");

    private string Quarantine => Path.Combine(Root, "quarantine");

    /// <summary>
    /// Images queued for a worker or being worked on. An image leaves outbox/ before its forward is recorded, so
    /// "drained" is nothing in incoming/ or outbox/ and nothing in progress.
    /// </summary>
    public int InProgress => _busy.Count;

    /// <summary>Images in a spool folder: incoming, outbox or quarantine.</summary>
    public int CountIn(string folder) => Directory.Exists(Path.Combine(Root, folder)) ? Directory.EnumerateFiles(Path.Combine(Root, folder), "*.dcm").Count() : 0;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Policy.Ledger && _ledger is null)
        {
            throw new InvalidOperationException("the gate policy logs every decision in the ledger, but the server runs no ledger");
        }
        foreach (var dir in new[] { Root, Tmp, Incoming, Outbox, Quarantine })
        {
            Directory.CreateDirectory(dir);
        }
        foreach (var stale in Directory.EnumerateFiles(Tmp))
        {
            File.Delete(stale); // never acknowledged
        }
        _audit = new AuditLog(Path.Combine(Root, "audit.log"));
        var awaiting = _audit.AwaitingDelivery;
        var awaitingIds = awaiting.Select(r => r.Id!).ToHashSet(StringComparer.Ordinal);
        var journalled = new Dictionary<string, ForwardRecord>(StringComparer.Ordinal);
        var journal = Path.Combine(Root, "forwarded.log");
        if (File.Exists(journal))
        {
            // Only the IDs whose outbox copy is still there are kept: the journal holds every delivery since the spool
            // began, and the gateway needs it only to remove a copy that a crash left behind without sending it again.
            var inOutbox = Directory.EnumerateFiles(Outbox, "*.dcm").Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal);
            foreach (var line in File.ReadLines(journal))
            {
                try
                {
                    if (JsonSerializer.Deserialize(line, GatewayJsonContext.Default.ForwardRecord) is { } r)
                    {
                        if (inOutbox.Contains(r.Id))
                        {
                            _forwarded.Add(r.Id);
                        }
                        if (awaitingIds.Contains(r.Id))
                        {
                            journalled[r.Id] = r;
                        }
                    }
                }
                catch (JsonException)
                {
                    break; // a line cut short by a crash: its forward is not recorded, so it is repeated
                }
            }
        }
        _forwardJournal = new DurableAppendFile(new FileStream(journal, FileMode.Append, FileAccess.Write, FileShare.Read));
        await RecoverDeliveryLinesAsync(awaiting, journalled);
        Resume();
        _workerThreads = new BackgroundScheduler(Math.Max(1, _options.Workers), "gateway worker");
        var workers = Enumerable.Range(0, Math.Max(1, _options.Workers))
            .Select(_ => Task.Factory.StartNew(() => RunAsync(_queue, id => ProcessAsync(id, _stopping.Token)), CancellationToken.None, TaskCreationOptions.DenyChildAttach, _workerThreads).Unwrap());
        var forwarders = Enumerable.Range(0, Math.Max(1, _options.Forwarders)).Select(_ => Task.Run(() => RunAsync(_forwards, ForwardStepAsync), CancellationToken.None));
        _tasks = [.. workers, .. forwarders, Task.Run(CommitLoopAsync, CancellationToken.None), Task.Run(RetryLoopAsync, CancellationToken.None)];
    }

    /// <summary>
    /// Writes the delivery lines a crash kept out of the audit log. A delivery is durable before its line is (the journal
    /// line or the archive folder's sync comes first), so an image the log sent on (accepted, signed, released) may have
    /// arrived with no line saying so. If the forward journal records it, or the embedded archive holds an accepted one,
    /// its "forwarded" or "archived" line is written now, marked as recovered. One still in incoming/ or outbox/ gets its
    /// line when it moves on; one found nowhere is logged, and nothing is written for it.
    /// </summary>
    private async Task RecoverDeliveryLinesAsync(IReadOnlyList<AuditRecord> awaiting, Dictionary<string, ForwardRecord> journalled)
    {
        var lines = new List<AuditEntry>();
        foreach (var sent in awaiting)
        {
            var id = sent.Id!;
            if (journalled.TryGetValue(id, out var forward))
            {
                var archived = forward.Target == ArchiveForwarder.TargetName;
                var where = archived ? "archived" : "forwarded to " + forward.Target;
                lines.Add(new AuditEntry(archived ? AuditEvents.Archived : AuditEvents.Forwarded, id, forward.SopInstanceUid, [], "gateway",
                    $"{where} at {forward.Time:O}; line recovered at start from the forward journal"));
            }
            else if (File.Exists(Path.Combine(Incoming, id + ".dcm")) || File.Exists(Path.Combine(Outbox, id + ".dcm")))
            {
                continue;
            }
            else if (sent.Event == AuditEvents.Accepted && sent.SopInstanceUid is { } uid && Archive.Find(uid) is not null)
            {
                lines.Add(new AuditEntry(AuditEvents.Archived, id, uid, [], "gateway", "archived; line recovered at start: the image is in the archive"));
            }
            else
            {
                LogUndelivered(id, sent.Event);
            }
        }
        if (lines.Count > 0)
        {
            await _audit!.AppendAllAsync(lines);
            LogRecovered(lines.Count);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _queue.Writer.TryComplete();
        _forwards.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_tasks).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Whatever was in progress stays in the spool and resumes at the next start.
        }
        if (_audit is not null)
        {
            await _audit.FlushAsync(); // the delivery lines written without a flush of their own
        }
    }

    public void Dispose()
    {
        _workerThreads?.Dispose();
        _audit?.Dispose();
        _forwardJournal?.Dispose();
        _http?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// Queues everything waiting, oldest first (ids sort by arrival): incoming/ for the workers, outbox/ for the
    /// forwarders. An image in both (a crash's leftover) goes to a worker, which removes the incoming copy first.
    /// </summary>
    private void Resume()
    {
        foreach (var path in Directory.EnumerateFiles(Incoming, "*.dcm").Order(StringComparer.Ordinal))
        {
            Enqueue(Path.GetFileNameWithoutExtension(path));
        }
        foreach (var path in Directory.EnumerateFiles(Outbox, "*.dcm").Order(StringComparer.Ordinal))
        {
            EnqueueForward(Path.GetFileNameWithoutExtension(path));
        }
    }

    /// <summary>Queues an image for a worker, unless it is queued or being worked on already.</summary>
    private void Enqueue(string id) => Enqueue(id, _queue);

    /// <summary>Queues an image in outbox/ for a forwarder, unless it is queued or being worked on already.</summary>
    private void EnqueueForward(string id) => Enqueue(id, _forwards);

    private void Enqueue(string id, Channel<string> queue)
    {
        if (_busy.TryAdd(id, 0) && !queue.Writer.TryWrite(id))
        {
            _busy.TryRemove(id, out _);
        }
    }

    private async Task RetryLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.RetryInterval, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Resume();
        }
    }

    /// <summary>What a worker's step left an image waiting for.</summary>
    private enum Next
    {
        /// <summary>Nothing more, or a retry.</summary>
        Nothing,

        /// <summary>The committer: it keeps the image busy until its decision is fixed.</summary>
        Commit,

        /// <summary>A forwarder: the image is in outbox/.</summary>
        Forward,
    }

    /// <summary>
    /// Runs a worker or a forwarder: takes one image at a time from <paramref name="queue"/> and runs
    /// <paramref name="step"/> on it. An image handed to the committer stays busy until its decision is fixed; one left
    /// in outbox/ goes to the forwarders; one whose step fails stays where it is, and the retry loop tries again.
    /// </summary>
    private async Task RunAsync(Channel<string> queue, Func<string, Task<Next>> step)
    {
        try
        {
            await foreach (var id in queue.Reader.ReadAllAsync(_stopping.Token))
            {
                var next = Next.Nothing;
                try
                {
                    next = await step(id);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    LogRetry(id, ex.Message);
                }
                finally
                {
                    if (next != Next.Commit)
                    {
                        _busy.TryRemove(id, out _);
                    }
                }
                if (next == Next.Forward)
                {
                    EnqueueForward(id);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>A forwarder's step: sends one image from outbox/ (a failed send waits for the retry loop).</summary>
    private async Task<Next> ForwardStepAsync(string id)
    {
        var outbox = Path.Combine(Outbox, id + ".dcm");
        if (File.Exists(outbox))
        {
            await ForwardAsync(id, outbox, _stopping.Token);
        }
        return Next.Nothing;
    }

    private static bool IsId(string id) =>
        id.Length == 26 && id[17] == '-' && id.AsSpan(0, 17).ContainsAnyExceptInRange('0', '9') is false
        && id.AsSpan(18).ContainsAnyExcept(LowerHex) is false;

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private string NewId() =>
        DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture) + "-" + (Interlocked.Increment(ref _sequence) & 0xFFFF).ToString("x4", CultureInfo.InvariantCulture)
        + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2));

    // ---------------------------------------------------------------- ingest

    /// <summary>
    /// Takes a received Part-10 instance from a stream (STOW-RS) and returns once it is durable in the spool, or
    /// rejected (not DICOM, no SOP Instance UID, too large). Nothing is acknowledged before the fsyncs.
    /// </summary>
    public async Task<IngestResult> IngestAsync(Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var id = NewId();
        var temp = Path.Combine(Tmp, id + ".part");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 16];
                long total = 0;
                int n;
                while ((n = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += n;
                    if (total > _options.MaxInstanceBytes)
                    {
                        throw new InvalidDataException($"the instance is larger than {_options.MaxInstanceBytes} bytes");
                    }
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                }
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }
            return await AdmitAsync(id, temp);
        }
        catch (InvalidDataException ex)
        {
            return await RejectAsync(temp, ex.Message);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// Takes a complete received file (e.g. from the DICOM listener). It is copied into the spool and synced; the
    /// caller's file is left alone.
    /// </summary>
    public async Task<IngestResult> IngestFileAsync(string receivedFile, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(receivedFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return await IngestAsync(stream, cancellationToken);
    }

    /// <summary>
    /// Takes a received file the caller gives up (the DICOM listener's temp file, in the spool's tmp/): synced where it
    /// lies, then renamed into incoming/ and admitted like an upload. Two flushes stand between the last byte and the
    /// Success status (the file, then incoming/), the least a rename-based spool can do.
    /// </summary>
    public async Task<IngestResult> IngestOwnedFileAsync(string receivedFile, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            DurableFiles.SyncFile(receivedFile);
            return await AdmitAsync(NewId(), receivedFile);
        }
        catch
        {
            File.Delete(receivedFile);
            throw;
        }
    }

    private async Task<IngestResult> AdmitAsync(string id, string temp)
    {
        string uid;
        string? sopClass;
        string? study;
        try
        {
            var ds = DicomFile.Open(temp).DataSet;
            uid = ds.GetString(DicomTags.SOPInstanceUID)?.Trim('\0', ' ') ?? "";
            sopClass = ds.GetString(DicomTags.SOPClassUID)?.Trim('\0', ' ');
            study = ds.GetString(DicomTags.StudyInstanceUID)?.Trim('\0', ' ');
            if (!SubjectCommitments.IsUidShaped(uid))
            {
                return await RejectAsync(temp, uid.Length == 0 ? "no SOP Instance UID (0008,0018)" : $"SOP Instance UID '{uid}' is not a UID");
            }
        }
        catch (Exception ex) when (ex is DicomFormatException or EndOfStreamException)
        {
            return await RejectAsync(temp, $"not a DICOM Part-10 instance: {ex.Message}");
        }
        // tmp/ is emptied at every start, so only the new name needs to be durable.
        await DurableFiles.MoveIntoAsync(temp, Path.Combine(Incoming, id + ".dcm"));
        _metrics.Received.Add(1);
        Enqueue(id);
        return new IngestResult(true, id, uid, sopClass, study, null);
    }

    private async Task<IngestResult> RejectAsync(string temp, string why)
    {
        File.Delete(temp);
        _metrics.Rejected.Add(1);
        await _audit!.AppendAsync(AuditEvents.Rejected, null, null, [GateReasonCodes.Unreadable], "ingest", why, null, null);
        LogRejected(why);
        return new IngestResult(false, null, null, null, null, why);
    }

    // ---------------------------------------------------------------- decide and forward

    /// <summary>
    /// Moves one image in incoming/ on: checks it and hands its decision to the committer (gate), or marks and signs it
    /// into outbox/ (edge). Returns what the image waits for next. An image whose step fails stays where it is, and the
    /// retry loop tries again.
    /// </summary>
    private async Task<Next> ProcessAsync(string id, CancellationToken cancellationToken)
    {
        var incoming = Path.Combine(Incoming, id + ".dcm");
        var outbox = Path.Combine(Outbox, id + ".dcm");
        if (File.Exists(incoming))
        {
            if (File.Exists(outbox))
            {
                // Moved on already (signed, or accepted), then the crash came before the received copy was removed.
                await DurableFiles.DeleteAsync(incoming);
            }
            else if (_options.Mode == GatewayMode.Edge)
            {
                await SignAsync(id, incoming, outbox, cancellationToken);
            }
            else
            {
                return _decided.Writer.TryWrite(Decide(id, cancellationToken)) ? Next.Commit : Next.Nothing;
            }
        }
        return File.Exists(outbox) ? Next.Forward : Next.Nothing;
    }

    private static DicomFile Load(string path)
    {
        // Read whole: the file moves on from here, and deferred values would be read back from its old path.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return DicomFile.Read(stream);
    }

    /// <summary>
    /// A decision made and not yet fixed: what <see cref="RecordAsync(IReadOnlyList{Decision}, CancellationToken, bool)"/>
    /// and <see cref="FixAsync"/> need once the file is closed. <paramref name="Incoming"/> is null for events that
    /// move no spooled file (edge signing, release, delete).
    /// </summary>
    private sealed record Decision(string Id, string? Incoming, string Uid, AuditEntry Audit, ImageEntry? LedgerEntry, QuarantineRecord? Quarantine,
        IReadOnlyDictionary<DicomTag, string>? ArchiveIndex);

    /// <summary>The most decisions the committer fixes together.</summary>
    private const int MaxGroup = 256;

    /// <summary>
    /// Fixes the workers' decisions in groups. It waits <see cref="GatewayOptions.CommitDelay"/> after the first decision
    /// of a group for more, then fixes all of them together (<see cref="FixAsync"/>): one ledger transaction, one audit
    /// flush, one sync of each folder they enter. With one sender, images arrive a few milliseconds apart and a group
    /// without the wait would hold one image; every flush of the workers also delays the flush the sender waits on.
    /// </summary>
    private async Task CommitLoopAsync()
    {
        var group = new List<Decision>();
        try
        {
            while (await _decided.Reader.WaitToReadAsync(_stopping.Token))
            {
                if (_options.CommitDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_options.CommitDelay, _stopping.Token);
                }
                group.Clear();
                while (group.Count < MaxGroup && _decided.Reader.TryRead(out var decision))
                {
                    group.Add(decision);
                }
                IReadOnlyList<Decision> outboxed = [];
                try
                {
                    outboxed = await FixAsync(group, _stopping.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A step shared by the group failed (the audit flush, a folder sync): what did not move stays put.
                    foreach (var d in group)
                    {
                        LogRetry(d.Id, ex.Message);
                    }
                }
                finally
                {
                    foreach (var d in group)
                    {
                        _busy.TryRemove(d.Id, out _);
                    }
                }
                foreach (var d in outboxed)
                {
                    EnqueueForward(d.Id); // the committer never waits on the target
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping: decisions not fixed leave their images in incoming/, decided again at the next start
        }
    }

    /// <summary>
    /// Fixes decisions together: their ledger entries and audit lines (<see cref="RecordAsync(IReadOnlyList{Decision}, CancellationToken, bool)"/>),
    /// then the moves, one sync of each folder moved into, and the "archived" lines. For each image the order is
    /// unchanged: ledger entry, audit line, then the move. Returns the images moved into outbox/, to be forwarded.
    /// </summary>
    private async Task<IReadOnlyList<Decision>> FixAsync(List<Decision> decisions, CancellationToken cancellationToken)
    {
        var recorded = await RecordAsync(decisions, cancellationToken);
        var archived = new List<Decision>();
        var outboxed = new List<Decision>();
        foreach (var d in recorded)
        {
            try
            {
                if (d.Quarantine is { } record)
                {
                    await MoveToQuarantineAsync(d.Incoming!, record);
                }
                else if (d.ArchiveIndex is not null)
                {
                    // The embedded archive is a local folder: the image moves there straight from incoming/, which is
                    // the delivery itself, so it needs no outbox stage, no forward journal and no second parse.
                    File.Move(d.Incoming!, Archive.PathOf(d.Uid), overwrite: true);
                    archived.Add(d);
                }
                else
                {
                    File.Move(d.Incoming!, Path.Combine(Outbox, d.Id + ".dcm"), overwrite: true);
                    outboxed.Add(d);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRetry(d.Id, ex.Message);
            }
        }
        // Only the folders moved into are synced: should a removal from incoming/ not survive a crash, the image is
        // found again there (and in outbox/, or in the archive) and its leftover copy is removed or decided again.
        // Not syncing incoming/ keeps the committer off the folder whose sync the sender's Success status waits for.
        if (archived.Count > 0)
        {
            await DurableFiles.SyncDirectoryAsync(Archive.Directory);
            foreach (var d in archived)
            {
                Archive.Add(Archive.PathOf(d.Uid), d.ArchiveIndex!);
                _metrics.Accepted.Add(1);
                LogAccepted(d.Id, d.Uid);
            }
            // Written, not flushed: the next flush of the log carries them. The archive already holds the images, so a
            // line lost with the page cache is written again at start (RecoverDeliveryLinesAsync); a flush of its own
            // would be one more for the sender's flush to queue behind.
            _audit!.Write([.. archived.Select(d => new AuditEntry(AuditEvents.Archived, d.Id, d.Uid, [], "gateway", "archived"))]);
            _metrics.Forwarded.Add(archived.Count);
        }
        if (outboxed.Count > 0)
        {
            await DurableFiles.SyncDirectoryAsync(Outbox);
            foreach (var d in outboxed)
            {
                _metrics.Accepted.Add(1);
                LogAccepted(d.Id, d.Uid);
            }
        }
        return outboxed;
    }

    /// <summary>Checks one image in incoming/ and works out everything its decision will write, while the file is mapped.</summary>
    private Decision Decide(string id, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var incoming = Path.Combine(Incoming, id + ".dcm");
        // The image is read through a mapping of the spooled file, not copied in: the checks and the ledger entry see
        // the page cache. Whatever outlives the mapping is copied out of it before it ends.
        DicomFileMapping? mapping = null;
        try
        {
            DicomFile file;
            string uid;
            IReadOnlyList<CheckResult> results;
            try
            {
                mapping = DicomFileMapping.Open(incoming);
                file = mapping.File;
                uid = file.DataSet.GetString(DicomTags.SOPInstanceUID)?.Trim('\0', ' ') ?? "";
                results = GateChecks.Run(_checks, new GateItem(id, incoming, file, uid), cancellationToken);
            }
            catch (DicomFormatException ex)
            {
                file = new DicomFile(new DicomDataSet(), new DicomDataSet(), TransferSyntax.ExplicitVRLittleEndian);
                uid = "";
                results = [new CheckResult("read", false, [GateReasonCodes.Unreadable], ex.Message)];
            }
            _metrics.CheckSeconds.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            var codes = results.Where(r => !r.Passed).SelectMany(r => r.Codes).Distinct().ToArray();
            var entry = LedgerEntryFor(file);
            if (codes.Length == 0)
            {
                var audit = new AuditEntry(AuditEvents.Accepted, id, uid, [], "gate", string.Join("; ", results.Select(r => r.Detail)));
                return new Decision(id, incoming, uid, audit, entry, null, Forwarder is ArchiveForwarder ? ArchiveStore.IndexOf(file.DataSet) : null);
            }
            var quarantined = new AuditEntry(AuditEvents.Quarantined, id, uid, codes, "gate", string.Join("; ", results.Where(r => !r.Passed).Select(r => r.Detail)));
            return new Decision(id, incoming, uid, quarantined, entry, QuarantineRecordFor(id, uid, file.DataSet, codes, results), null);
        }
        finally
        {
            mapping?.Dispose();
        }
    }

    private async Task SignAsync(string id, string incoming, string outbox, CancellationToken cancellationToken)
    {
        var edge = _options.Edge ?? throw new InvalidOperationException("edge mode needs a device key (--key/--cert or --pkcs11)");
        var file = Load(incoming);
        if (edge.Watermark)
        {
            // Mark first (a new SOP Instance UID, new pixels), then sign: the signature covers the marked pixels.
            file = DicomWatermark.Embed(file, edge.WatermarkSigner, cancellationToken).File;
        }
        DicomSigner.Sign(file, edge.SignatureKey, new SigningOptions(), cancellationToken);
        using var encoded = new MemoryStream();
        file.Save(encoded, new WriteOptions { TransferSyntax = DicomSigner.OutputSyntax(file.TransferSyntax) });
        await RecordAsync(AuditEvents.SignedAtEdge, id, file, [], "edge", $"signed by {edge.SignatureKey.Certificate.Subject}", cancellationToken);
        await DurableFiles.WriteAllBytesAsync(outbox, encoded.GetBuffer().AsMemory(0, (int)encoded.Length));
        await DurableFiles.DeleteAsync(incoming);
        _metrics.Accepted.Add(1);
    }

    private async Task ForwardAsync(string id, string outbox, CancellationToken cancellationToken)
    {
        bool done;
        lock (_forwardGate)
        {
            done = _forwarded.Contains(id);
        }
        var uid = "";
        if (!done)
        {
            uid = DicomFile.Open(outbox).DataSet.GetString(DicomTags.SOPInstanceUID)?.Trim('\0', ' ') ?? "";
            var result = await Forwarder.ForwardAsync(outbox, uid, cancellationToken);
            switch (result.Status)
            {
                case ForwardStatus.Retry:
                    _metrics.ForwardFailures.Add(1);
                    LogRetry(id, result.Detail);
                    return;
                case ForwardStatus.Refused:
                    _metrics.ForwardFailures.Add(1);
                    await RefusedAsync(id, outbox, uid, result.Detail, cancellationToken);
                    return;
            }
            // Recorded before the spool copy goes: a restart between the two finds the id in the journal and does not
            // send again. Only a crash between the target's acknowledgement and this sync can repeat a send.
            var line = JsonSerializer.Serialize(new ForwardRecord(id, uid, Forwarder.Target, DateTimeOffset.UtcNow), GatewayJsonContext.Default.ForwardRecord);
            await _forwardJournal!.AppendAsync(Encoding.UTF8.GetBytes(line + "\n"));
            lock (_forwardGate)
            {
                _forwarded.Add(id);
            }
            await _audit!.AppendAsync(Forwarder is ArchiveForwarder ? AuditEvents.Archived : AuditEvents.Forwarded, id, uid, [], "gateway", result.Detail, null, null);
            _metrics.Forwarded.Add(1);
        }
        if (File.Exists(outbox))
        {
            // Not synced: the journal already holds the id, so a copy that reappears after a crash is deleted then.
            File.Delete(outbox);
        }
        lock (_forwardGate)
        {
            _forwarded.Remove(id); // the copy is gone: held no longer, so memory does not grow with every delivery
        }
    }

    /// <summary>Forward-journal IDs held in memory: those whose outbox copy is not removed yet.</summary>
    internal int JournalledIdsHeld
    {
        get
        {
            lock (_forwardGate)
            {
                return _forwarded.Count;
            }
        }
    }

    private async Task RefusedAsync(string id, string outbox, string uid, string detail, CancellationToken cancellationToken)
    {
        var file = Load(outbox);
        var results = new[] { new CheckResult("forward", false, [GateReasonCodes.ForwardRefused], detail) };
        await RecordAsync(AuditEvents.Quarantined, id, file, [GateReasonCodes.ForwardRefused], "gateway", detail, cancellationToken);
        await MoveToQuarantineAsync(outbox, QuarantineRecordFor(id, uid, file.DataSet, [GateReasonCodes.ForwardRefused], results));
    }

    private static QuarantineRecord QuarantineRecordFor(string id, string uid, DicomDataSet ds, IReadOnlyList<string> codes, IReadOnlyList<CheckResult> results) =>
        new(id, uid, ds.GetString(DicomTags.SOPClassUID)?.Trim('\0', ' '), ds.GetString(DicomTags.StudyInstanceUID)?.Trim('\0', ' '),
            ds.GetString(DicomTags.SeriesInstanceUID)?.Trim('\0', ' '), DateTimeOffset.UtcNow, codes, results);

    /// <summary>Puts a decided image in quarantine: its record beside it, then the image, each durably (both folders synced).</summary>
    private async Task MoveToQuarantineAsync(string from, QuarantineRecord record)
    {
        await DurableFiles.WriteAllBytesAsync(Path.Combine(Quarantine, record.Id + ".json"), JsonSerializer.SerializeToUtf8Bytes(record, GatewayJsonContext.Default.QuarantineRecord));
        await DurableFiles.MoveAsync(from, Path.Combine(Quarantine, record.Id + ".dcm"));
        _metrics.Quarantined.Add(1);
        LogQuarantined(record.Id, record.SopInstanceUid, string.Join(' ', record.Codes));
    }

    /// <summary>
    /// Fixes a decision: a ledger entry for the image (when the policy logs), then a line in the audit log naming the
    /// entry. Throws if either fails, so the decision does not take effect.
    /// </summary>
    private async Task RecordAsync(string @event, string? id, DicomFile file, IReadOnlyList<string> codes, string actor, string? detail, CancellationToken cancellationToken)
    {
        var uid = file.DataSet.GetString(DicomTags.SOPInstanceUID)?.Trim('\0', ' ');
        var decision = new Decision(id ?? "", null, uid ?? "", new AuditEntry(@event, id, uid, codes, actor, detail), LedgerEntryFor(file), null, null);
        await RecordAsync([decision], cancellationToken, throwOnFailure: true);
    }

    /// <summary>The image's ledger entry when the policy logs decisions and the image has a usable SOP Instance UID.</summary>
    private ImageEntry? LedgerEntryFor(DicomFile file)
    {
        var uid = file.DataSet.GetString(DicomTags.SOPInstanceUID)?.Trim('\0', ' ');
        return _options.Policy.Ledger && _ledger is not null && uid is not null && SubjectCommitments.IsUidShaped(uid)
            ? ImageEntries.Describe(file, requirePixelData: false)
            : null;
    }

    /// <summary>
    /// Fixes decisions together: their ledger entries are submitted at once (the log commits what it has queued in one
    /// transaction), then their audit lines are written with one flush. Returns the decisions that are now fixed; one
    /// whose ledger entry failed is left out (logged, it is retried), and a failed audit flush fixes none.
    /// </summary>
    private async Task<IReadOnlyList<Decision>> RecordAsync(IReadOnlyList<Decision> decisions, CancellationToken cancellationToken, bool throwOnFailure = false)
    {
        var receipts = new Task<AppendReceipt>?[decisions.Count];
        if (_ledger is not null)
        {
            var log = _ledger.Log;
            for (var i = 0; i < decisions.Count; i++)
            {
                if (decisions[i].LedgerEntry is { } e)
                {
                    receipts[i] = log.AppendAsync(new EntrySubmission(log.CommitSubject(e.SopInstanceUid), e.PixelHash, e.SignatureHash, e.DeviceCertificateFingerprint), cancellationToken);
                }
            }
        }
        var fixedDecisions = new List<Decision>(decisions.Count);
        var lines = new List<AuditEntry>(decisions.Count);
        for (var i = 0; i < decisions.Count; i++)
        {
            var audit = decisions[i].Audit;
            if (receipts[i] is { } pending)
            {
                try
                {
                    var receipt = await pending;
                    audit = audit with { LedgerIndex = receipt.Index, LeafHash = receipt.LeafHash.ToHex() };
                }
                catch (Exception ex) when (ex is not OperationCanceledException && !throwOnFailure)
                {
                    LogRetry(decisions[i].Id, ex.Message);
                    continue;
                }
            }
            fixedDecisions.Add(decisions[i]);
            lines.Add(audit);
        }
        if (lines.Count > 0)
        {
            await _audit!.AppendAllAsync(lines);
        }
        return fixedDecisions;
    }

    // ---------------------------------------------------------------- quarantine

    /// <summary>Every quarantined image, oldest first.</summary>
    public IReadOnlyList<QuarantineRecord> ListQuarantine()
    {
        var list = new List<QuarantineRecord>();
        foreach (var path in Directory.EnumerateFiles(Quarantine, "*.json").Order(StringComparer.Ordinal))
        {
            if (ReadRecord(Path.GetFileNameWithoutExtension(path)) is { } r)
            {
                list.Add(r);
            }
        }
        return list;
    }

    public QuarantineRecord? ReadRecord(string id)
    {
        if (!IsId(id))
        {
            return null;
        }
        var path = Path.Combine(Quarantine, id + ".json");
        try
        {
            return File.Exists(path) && File.Exists(Path.Combine(Quarantine, id + ".dcm"))
                ? JsonSerializer.Deserialize(File.ReadAllBytes(path), GatewayJsonContext.Default.QuarantineRecord)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The quarantined file, or null.</summary>
    public string? QuarantinedFile(string id) => ReadRecord(id) is null ? null : Path.Combine(Quarantine, id + ".dcm");

    /// <summary>Releases a quarantined image to the forward target (no checks), audited with the actor's name.</summary>
    public async Task<bool> ReleaseAsync(string id, string actor, CancellationToken cancellationToken)
    {
        if (ReadRecord(id) is not { } record || !_busy.TryAdd(id, 0))
        {
            return false;
        }
        try
        {
            var path = Path.Combine(Quarantine, id + ".dcm");
            await RecordAsync(AuditEvents.Released, id, Load(path), record.Codes, actor, "released from quarantine by an administrator", cancellationToken);
            await DurableFiles.MoveAsync(path, Path.Combine(Outbox, id + ".dcm"));
            await DurableFiles.DeleteAsync(Path.Combine(Quarantine, id + ".json"));
        }
        finally
        {
            _busy.TryRemove(id, out _);
        }
        EnqueueForward(id);
        return true;
    }

    /// <summary>Deletes a quarantined image for good, audited with the actor's name.</summary>
    public async Task<bool> DeleteAsync(string id, string actor, CancellationToken cancellationToken)
    {
        if (ReadRecord(id) is not { } record || !_busy.TryAdd(id, 0))
        {
            return false;
        }
        try
        {
            var path = Path.Combine(Quarantine, id + ".dcm");
            await RecordAsync(AuditEvents.Deleted, id, Load(path), record.Codes, actor, "deleted from quarantine by an administrator", cancellationToken);
            await DurableFiles.DeleteAsync(path);
            await DurableFiles.DeleteAsync(Path.Combine(Quarantine, id + ".json"));
        }
        finally
        {
            _busy.TryRemove(id, out _);
        }
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "accepted {Id} ({Uid})")]
    private partial void LogAccepted(string id, string uid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "quarantined {Id} ({Uid}): {Codes}")]
    private partial void LogQuarantined(string id, string uid, string codes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rejected an instance: {Why}")]
    private partial void LogRejected(string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "audit: {Count} delivery lines lost in a crash were written at start (marked recovered)")]
    private partial void LogRecovered(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "audit: {Id} was {Event}, but no delivery is recorded and the image is in none of the spool's folders")]
    private partial void LogUndelivered(string id, string @event);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Id} waits in the spool and is retried: {Why}")]
    private partial void LogRetry(string id, string why);
}
