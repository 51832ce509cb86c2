namespace RadSeal.Ledger.Checkpoints;

/// <summary>A checkpoint together with the signed note that carries it.</summary>
public sealed record SignedCheckpoint(Checkpoint Checkpoint, Note Note)
{
    /// <summary>The note text as served at /checkpoint.</summary>
    public string Format() => Note.Format();

    /// <summary>Signs a checkpoint with the log's key (the key name should be the origin).</summary>
    public static SignedCheckpoint Sign(Checkpoint checkpoint, NoteSigner signer)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(signer);
        var text = checkpoint.Format();
        return new SignedCheckpoint(checkpoint, new Note(text, [signer.Sign(text)]));
    }

    /// <summary>
    /// Parses a signed checkpoint and verifies it against the log's key. The origin must equal
    /// <paramref name="expectedOrigin"/> when given (a checkpoint of another log proves nothing about this one).
    /// </summary>
    /// <exception cref="LedgerFormatException">Not a signed checkpoint, or the wrong origin.</exception>
    /// <exception cref="InvalidSignatureException">The log's signature does not verify.</exception>
    /// <exception cref="UnverifiedNoteException">The log's key did not sign it.</exception>
    public static SignedCheckpoint Open(string text, NoteVerifier logKey, string? expectedOrigin = null)
    {
        ArgumentNullException.ThrowIfNull(logKey);
        var note = Note.Parse(text);
        note.Open([logKey]);
        var checkpoint = Checkpoint.Parse(note.Text);
        if (expectedOrigin is not null && checkpoint.Origin != expectedOrigin)
        {
            throw new LedgerFormatException($"Checkpoint is for log '{checkpoint.Origin}', not '{expectedOrigin}'.");
        }
        return new SignedCheckpoint(checkpoint, note);
    }
}
