using RadSeal.Ledger.Checkpoints;
using RadSeal.Ledger.Merkle;

namespace RadSeal.Ledger.Log;

/// <summary>Why a witness refused to cosign.</summary>
public enum WitnessRefusal
{
    /// <summary>The checkpoint is not signed by the log's key, or is malformed.</summary>
    NotSignedByLog,

    /// <summary>The checkpoint is for another log.</summary>
    WrongOrigin,

    /// <summary>The checkpoint is smaller than one already cosigned: the log went back in time.</summary>
    Rollback,

    /// <summary>The checkpoint does not extend the one already cosigned: the log forked (shows different histories).</summary>
    Fork,
}

/// <summary>A witness refused a checkpoint; <see cref="Reason"/> says why.</summary>
public sealed class WitnessRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WitnessRefusedException(WitnessRefusal reason, string message)
        : base(message) => Reason = reason;

    /// <summary>Creates the exception with a generic message.</summary>
    public WitnessRefusedException()
        : base("The witness refused the checkpoint.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public WitnessRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner cause.</summary>
    public WitnessRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Why.</summary>
    public WitnessRefusal Reason { get; }
}

/// <summary>
/// The witness role (C2SP tlog-witness semantics): it remembers the latest checkpoint it cosigned for a log and cosigns
/// a new one only if the log signed it and a consistency proof shows it extends the remembered one. A log that shows
/// two different histories (a fork) can then never collect cosignatures on both from the same witness. Cosignatures are
/// C2SP tlog-cosignature v1 (signature type 0x04, timestamped Ed25519).
/// </summary>
public sealed class Witness
{
    private readonly NoteSigner _key;
    private readonly NoteVerifier _logKey;
    private readonly TimeProvider _time;

    /// <summary>A witness with its cosigning key (type <see cref="NoteKeyType.CosignatureV1"/>) for the log with <paramref name="logKey"/>.</summary>
    public Witness(NoteSigner key, NoteVerifier logKey, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(logKey);
        if (key.Type != NoteKeyType.CosignatureV1)
        {
            throw new ArgumentException("A witness cosigns with a cosignature/v1 (0x04) key.", nameof(key));
        }
        _key = key;
        _logKey = logKey;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Checks <paramref name="checkpointNote"/> against the last cosigned checkpoint (null on first contact: trust on
    /// first use) and returns the note with this witness's cosignature added. The caller stores the returned checkpoint
    /// as the new "last cosigned" only after this returns.
    /// </summary>
    /// <exception cref="WitnessRefusedException">Not signed by the log, another origin, a rollback or a fork.</exception>
    public (Note Cosigned, Checkpoint Checkpoint) Cosign(string checkpointNote, Checkpoint? lastCosigned, IReadOnlyList<Hash> consistencyProof)
    {
        ArgumentNullException.ThrowIfNull(consistencyProof);
        SignedCheckpoint signed;
        try
        {
            signed = SignedCheckpoint.Open(checkpointNote, _logKey);
        }
        catch (Exception e) when (e is LedgerFormatException or InvalidSignatureException or UnverifiedNoteException)
        {
            throw new WitnessRefusedException(WitnessRefusal.NotSignedByLog, "The checkpoint does not verify with the log's key: " + e.Message);
        }
        var next = signed.Checkpoint;
        if (next.Origin != _logKey.Name)
        {
            throw new WitnessRefusedException(WitnessRefusal.WrongOrigin, $"The checkpoint is for '{next.Origin}', not '{_logKey.Name}'.");
        }
        if (lastCosigned is not null)
        {
            if (lastCosigned.Origin != next.Origin)
            {
                throw new WitnessRefusedException(WitnessRefusal.WrongOrigin, $"The remembered checkpoint is for '{lastCosigned.Origin}', not '{next.Origin}'.");
            }
            if (next.Size < lastCosigned.Size)
            {
                throw new WitnessRefusedException(WitnessRefusal.Rollback, $"The log shows size {next.Size} after this witness cosigned size {lastCosigned.Size}.");
            }
            var result = Proofs.VerifyConsistency(lastCosigned.Size, next.Size, lastCosigned.Root, next.Root, consistencyProof);
            if (!result.IsValid)
            {
                throw new WitnessRefusedException(WitnessRefusal.Fork,
                    $"Checkpoint of size {next.Size} (root {next.Root}) is not consistent with the cosigned size {lastCosigned.Size} (root {lastCosigned.Root}): {result.Message}. The log forked.");
            }
        }
        var cosignature = _key.Sign(signed.Note.Text, _time.GetUtcNow());
        return (signed.Note.WithSignature(cosignature), next);
    }
}
