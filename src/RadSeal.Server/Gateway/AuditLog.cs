using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace RadSeal.Server.Gateway;

/// <summary>
/// The gateway's hash-chained audit log: one JSON line per event, fsynced before the event takes effect (group commit:
/// events appended at the same time share one fsync). The ledger
/// entry of each decision (docs/gateway.md) fixes its time and image hashes in the transparency log; this log says
/// which decision it was and why.
/// </summary>
internal sealed class AuditLog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly DurableAppendFile _file;
    private readonly Dictionary<string, AuditRecord> _awaiting = new(StringComparer.Ordinal);
    private string _previous;
    private long _seq;

    public AuditLog(string path)
    {
        _previous = new string('0', 64);
        if (File.Exists(path))
        {
            // A line cut short by a crash is dropped from the chain (it never took effect: its event waited for the sync).
            var good = 0L;
            using (var read = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            using (var reader = new StreamReader(read, Encoding.UTF8))
            {
                while (reader.ReadLine() is { } line)
                {
                    AuditRecord? record;
                    try
                    {
                        record = JsonSerializer.Deserialize(line, GatewayJsonContext.Default.AuditRecord);
                    }
                    catch (JsonException)
                    {
                        break;
                    }
                    if (record is null)
                    {
                        break;
                    }
                    _seq = record.Seq;
                    _previous = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(line)));
                    Follow(record);
                    good += Encoding.UTF8.GetByteCount(line) + 1;
                }
            }
            var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
            stream.SetLength(good);
            stream.Seek(good, SeekOrigin.Begin);
            _file = new DurableAppendFile(stream);
        }
        else
        {
            _file = new DurableAppendFile(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read));
            DurableFiles.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
    }

    /// <summary>
    /// Images the log, as read at start, sent on (accepted, signed at the edge, released) without a line saying where
    /// they went (archived, forwarded, quarantined, deleted) after it: the last such event per spool ID, in log order.
    /// Those still in the spool are on their way; for the others a crash came between the delivery and its line.
    /// </summary>
    public IReadOnlyList<AuditRecord> AwaitingDelivery => [.. _awaiting.Values.OrderBy(r => r.Seq)];

    private void Follow(AuditRecord record)
    {
        if (record.Id is not { } id)
        {
            return;
        }
        switch (record.Event)
        {
            case AuditEvents.Accepted or AuditEvents.SignedAtEdge or AuditEvents.Released:
                _awaiting[id] = record;
                break;
            case AuditEvents.Archived or AuditEvents.Forwarded or AuditEvents.Quarantined or AuditEvents.Deleted:
                _awaiting.Remove(id);
                break;
        }
    }

    /// <summary>Appends an event and returns it as written, once it is durable.</summary>
    public async Task<AuditRecord> AppendAsync(string @event, string? id, string? sopInstanceUid, IReadOnlyList<string> codes, string actor, string? detail,
        long? ledgerIndex, string? leafHash) =>
        (await AppendAllAsync([new AuditEntry(@event, id, sopInstanceUid, codes, actor, detail, ledgerIndex, leafHash)]).ConfigureAwait(false))[0];

    /// <summary>Appends events in order and returns them as written, once all are durable: one flush for the lot.</summary>
    public async Task<IReadOnlyList<AuditRecord>> AppendAllAsync(IReadOnlyList<AuditEntry> entries)
    {
        var records = Write(entries);
        await _file.CommitAsync().ConfigureAwait(false);
        return records;
    }

    /// <summary>
    /// Appends events in order without waiting for a flush: they are durable once a later append's flush is. For events
    /// whose effect is durable on its own and whose line the gateway can write again after a crash (deliveries).
    /// </summary>
    public IReadOnlyList<AuditRecord> Write(IReadOnlyList<AuditEntry> entries)
    {
        var records = new AuditRecord[entries.Count];
        lock (_gate)
        {
            for (var i = 0; i < entries.Count; i++)
            {
                var e = entries[i];
                var record = new AuditRecord(_seq + 1, DateTimeOffset.UtcNow, e.Event, e.Id, e.SopInstanceUid, e.Codes, e.Actor, e.Detail, e.LedgerIndex, e.LeafHash, _previous);
                var line = JsonSerializer.Serialize(record, GatewayJsonContext.Default.AuditRecord);
                var bytes = Encoding.UTF8.GetBytes(line + "\n");
                _file.Write(bytes); // under the chain's lock: lines reach the file in chain order
                _seq = record.Seq;
                _previous = Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(0, bytes.Length - 1)));
                records[i] = record;
            }
            _file.Push(); // a reader of the file sees every line written, and a killed process loses none
        }
        return records;
    }

    /// <summary>Returns once every line written so far is durable.</summary>
    public Task FlushAsync() => _file.CommitAsync();

    public void Dispose() => _file.Dispose();
}

/// <summary>One event to append to the <see cref="AuditLog"/>: the record's fields that are not the chain's.</summary>
internal sealed record AuditEntry(string Event, string? Id, string? SopInstanceUid, IReadOnlyList<string> Codes, string Actor, string? Detail,
    long? LedgerIndex = null, string? LeafHash = null);
