using System.Text.Json;
using System.Text.Json.Serialization;
using RadSeal.Ledger.Checkpoints;
using RadSeal.Ledger.Merkle;

namespace RadSeal.Ledger.Log;

/// <summary>
/// An inclusion proof as the HTTP API serves it and <c>radseal log prove</c> writes it: the leaf, the proof hashes
/// (hex, leaf to root) and the signed checkpoint of <see cref="TreeSize"/> it is checked against.
/// </summary>
public sealed record InclusionProofBundle(
    [property: JsonPropertyName("leafIndex")] long LeafIndex,
    [property: JsonPropertyName("treeSize")] long TreeSize,
    [property: JsonPropertyName("leafHash")] string LeafHash,
    [property: JsonPropertyName("proof")] string[] Proof,
    [property: JsonPropertyName("checkpoint")] string? Checkpoint)
{
    /// <summary>Always "inclusion".</summary>
    [JsonPropertyName("type")]
    public string Type { get; init; } = "inclusion";

    /// <summary>
    /// Checks the bundle: the checkpoint verifies with the log's key, covers exactly <see cref="TreeSize"/>, and the
    /// proof leads from the leaf to its root. Returns the failure, or None.
    /// </summary>
    public (ProofFailure Failure, string Message, Checkpoint? Checkpoint) Verify(NoteVerifier logKey, string? checkpointOverride = null)
    {
        ArgumentNullException.ThrowIfNull(logKey);
        var opened = ProofBundles.OpenCheckpoint(checkpointOverride ?? Checkpoint, logKey, TreeSize);
        if (opened.Checkpoint is null)
        {
            return (ProofFailure.InvalidArguments, opened.Message, null);
        }
        if (!Hash.TryParseHex(LeafHash, out var leaf) || !ProofBundles.TryParseHashes(Proof, out var hashes))
        {
            return (ProofFailure.InvalidArguments, "the leaf hash or a proof hash is not 64 hex digits", opened.Checkpoint);
        }
        var result = Proofs.VerifyInclusion(LeafIndex, TreeSize, leaf, hashes, opened.Checkpoint.Root);
        return (result.Failure, result.Message, opened.Checkpoint);
    }
}

/// <summary>A consistency proof between two tree sizes, with the signed checkpoint of the larger.</summary>
public sealed record ConsistencyProofBundle(
    [property: JsonPropertyName("from")] long From,
    [property: JsonPropertyName("to")] long To,
    [property: JsonPropertyName("proof")] string[] Proof,
    [property: JsonPropertyName("checkpoint")] string? Checkpoint)
{
    /// <summary>Always "consistency".</summary>
    [JsonPropertyName("type")]
    public string Type { get; init; } = "consistency";

    /// <summary>Checks that the newer checkpoint (in the bundle) extends <paramref name="olderCheckpoint"/>.</summary>
    public (ProofFailure Failure, string Message, Checkpoint? Checkpoint) Verify(NoteVerifier logKey, string olderCheckpoint)
    {
        ArgumentNullException.ThrowIfNull(logKey);
        var older = ProofBundles.OpenCheckpoint(olderCheckpoint, logKey, From);
        var newer = ProofBundles.OpenCheckpoint(Checkpoint, logKey, To);
        if (older.Checkpoint is null || newer.Checkpoint is null)
        {
            return (ProofFailure.InvalidArguments, older.Checkpoint is null ? "older " + older.Message : newer.Message, null);
        }
        if (!ProofBundles.TryParseHashes(Proof, out var hashes))
        {
            return (ProofFailure.InvalidArguments, "a proof hash is not 64 hex digits", newer.Checkpoint);
        }
        var result = Proofs.VerifyConsistency(From, To, older.Checkpoint.Root, newer.Checkpoint.Root, hashes);
        return (result.Failure, result.Message, newer.Checkpoint);
    }
}

/// <summary>Reading proof bundles.</summary>
public static class ProofBundles
{
    /// <summary>The JSON settings of the bundles (indented on output).</summary>
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Reads either kind of bundle by its "type".</summary>
    /// <exception cref="LedgerFormatException">Not a proof bundle.</exception>
    public static object Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var type = doc.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
            return type switch
            {
                "inclusion" => doc.RootElement.Deserialize<InclusionProofBundle>(Json) ?? throw new LedgerFormatException("Empty proof bundle."),
                "consistency" => doc.RootElement.Deserialize<ConsistencyProofBundle>(Json) ?? throw new LedgerFormatException("Empty proof bundle."),
                _ => throw new LedgerFormatException("A proof bundle has \"type\": \"inclusion\" or \"consistency\"."),
            };
        }
        catch (JsonException e)
        {
            throw new LedgerFormatException("The proof bundle is not valid JSON of the expected shape: " + e.Message, e);
        }
    }

    internal static bool TryParseHashes(string[]? hex, out Hash[] hashes)
    {
        hashes = new Hash[hex?.Length ?? 0];
        for (var i = 0; i < hashes.Length; i++)
        {
            if (!Hash.TryParseHex(hex![i], out hashes[i]))
            {
                return false;
            }
        }
        return hex is not null;
    }

    internal static (Checkpoint? Checkpoint, string Message) OpenCheckpoint(string? text, NoteVerifier logKey, long size)
    {
        if (text is null)
        {
            return (null, "checkpoint missing: the bundle carries none and none was given");
        }
        try
        {
            var checkpoint = SignedCheckpoint.Open(text, logKey, logKey.Name).Checkpoint;
            return checkpoint.Size == size
                ? (checkpoint, "")
                : (null, $"checkpoint is for size {checkpoint.Size}, the proof for size {size}");
        }
        catch (Exception e) when (e is LedgerFormatException or InvalidSignatureException or UnverifiedNoteException)
        {
            return (null, "checkpoint does not verify with the log key: " + e.Message);
        }
    }
}
