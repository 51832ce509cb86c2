namespace RadSeal.Server.Gateway;

/// <summary>Why an image sits in quarantine: stored next to it as {id}.json.</summary>
public sealed record QuarantineRecord(
    string Id,
    string SopInstanceUid,
    string? SopClassUid,
    string? StudyInstanceUid,
    string? SeriesInstanceUid,
    DateTimeOffset QuarantinedAt,
    IReadOnlyList<string> Codes,
    IReadOnlyList<CheckResult> Checks);

/// <summary>
/// One line of the gateway's audit log (audit.log, JSON lines). <see cref="Previous"/> is the SHA-256 (hex) of the line
/// before it, so a removed or edited line breaks the chain; <see cref="LedgerIndex"/> and <see cref="LeafHash"/> name the
/// ledger entry that fixed the decision in the transparency log.
/// </summary>
public sealed record AuditRecord(
    long Seq,
    DateTimeOffset Time,
    string Event,
    string? Id,
    string? SopInstanceUid,
    IReadOnlyList<string> Codes,
    string Actor,
    string? Detail,
    long? LedgerIndex,
    string? LeafHash,
    string Previous);

/// <summary>One line of the forward journal (forwarded.log): this spool id reached the target.</summary>
public sealed record ForwardRecord(string Id, string SopInstanceUid, string Target, DateTimeOffset Time);

/// <summary>The outcome of ingesting one instance.</summary>
/// <param name="Stored">True when the instance is durable in the spool (the success status may be sent).</param>
public sealed record IngestResult(bool Stored, string? Id, string? SopInstanceUid, string? SopClassUid, string? StudyInstanceUid, string? Error);

/// <summary>Audit event names (a stable contract).</summary>
public static class AuditEvents
{
    public const string Accepted = "accepted";
    public const string Quarantined = "quarantined";
    public const string Rejected = "rejected";
    public const string Forwarded = "forwarded";
    public const string Archived = "archived";
    public const string Released = "released";
    public const string Deleted = "deleted";
    public const string SignedAtEdge = "signed";
}
