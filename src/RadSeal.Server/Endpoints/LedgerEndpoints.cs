using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RadSeal.Ledger;
using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Merkle;
using RadSeal.Ledger.Storage;
using RadSeal.Ledger.Tiles;
using RadSeal.Server.Ledger;

namespace RadSeal.Server.Endpoints;

/// <summary>What a submitter sends to add an entry: hashes in hex, and the UID or its commitment (exactly one).</summary>
public sealed record AddEntryRequest(
    [property: JsonPropertyName("sopInstanceUid")] string? SopInstanceUid,
    [property: JsonPropertyName("subjectCommitment")] string? SubjectCommitment,
    [property: JsonPropertyName("pixelHash")] string? PixelHash,
    [property: JsonPropertyName("signatureHash")] string? SignatureHash,
    [property: JsonPropertyName("deviceCertificateFingerprint")] string? DeviceCertificateFingerprint);

/// <summary>The receipt for an added entry: durable and covered by the checkpoint returned with it.</summary>
public sealed record AddEntryResponse(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("leafHash")] string LeafHash,
    [property: JsonPropertyName("entry")] string Entry,
    [property: JsonPropertyName("checkpoint")] string Checkpoint);

/// <summary>
/// The ledger's HTTP API. At the root, the C2SP tlog-tiles resources any tlog client can audit:
/// <c>/checkpoint</c>, <c>/tile/L/N[.p/W]</c>, <c>/tile/entries/N[.p/W]</c>. Under <c>/log/v1/</c>: add an entry
/// (bearer token), inclusion proof by leaf hash or index, consistency proof, and the log's verifier key.
/// </summary>
public static class LedgerEndpoints
{
    private const int MaxAddBody = 16 * 1024;

    /// <summary>Maps the ledger endpoints.</summary>
    public static IEndpointRouteBuilder MapLedgerEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/checkpoint", (LedgerHost ledger, HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "no-cache, max-age=0";
            return Results.Text(ledger.Log.Checkpoint.Format(), "text/plain; charset=utf-8");
        });
        app.MapGet("/tile/{**path}", ReadTileAsync);
        app.MapGet("/log/v1/key", (LedgerHost ledger) => Results.Text(ledger.Log.PublicKey + "\n", "text/plain; charset=utf-8"));
        app.MapPost("/log/v1/entries", AddEntryAsync);
        app.MapGet("/log/v1/proof/inclusion", ProveInclusionAsync);
        app.MapGet("/log/v1/proof/consistency", ProveConsistencyAsync);
        return app;
    }

    private static IResult Problem(int status, string message) =>
        Results.Json(new Dictionary<string, string> { ["error"] = message }, statusCode: status);

    private static async Task<IResult> ReadTileAsync(string path, LedgerHost ledger, HttpContext http, CancellationToken cancellationToken)
    {
        if (!TilePath.TryParse("tile/" + path, out var tile, out var error))
        {
            return Problem(StatusCodes.Status400BadRequest, error);
        }
        var bytes = await ledger.Log.ReadTileAsync(tile, cancellationToken);
        if (bytes is null)
        {
            return Problem(StatusCodes.Status404NotFound, $"{tile} is not covered by the latest checkpoint");
        }
        // A tile's content never changes once it exists (a partial tile of width W is always the same W hashes).
        http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        return Results.Bytes(bytes, "application/octet-stream");
    }

    private static async Task<IResult> AddEntryAsync(HttpRequest request, LedgerHost ledger, CancellationToken cancellationToken)
    {
        if (!ledger.SubmissionEnabled)
        {
            return Problem(StatusCodes.Status403Forbidden, "adding entries is disabled: the server has no submit token");
        }
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || !ledger.MaySubmit(header["Bearer ".Length..].Trim()))
        {
            return Results.Json(new Dictionary<string, string> { ["error"] = "a valid bearer token is required to add entries" },
                statusCode: StatusCodes.Status401Unauthorized);
        }
        if (request.ContentLength is > MaxAddBody)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, $"request body over {MaxAddBody} bytes");
        }
        AddEntryRequest? body;
        try
        {
            using var limited = new MemoryStream();
            await request.Body.CopyToAsync(limited, cancellationToken);
            if (limited.Length > MaxAddBody)
            {
                return Problem(StatusCodes.Status413PayloadTooLarge, $"request body over {MaxAddBody} bytes");
            }
            body = JsonSerializer.Deserialize<AddEntryRequest>(limited.ToArray());
        }
        catch (JsonException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "body is not the JSON of an entry: " + e.Message);
        }
        if (body is null)
        {
            return Problem(StatusCodes.Status400BadRequest, "empty body");
        }
        if ((body.SopInstanceUid is null) == (body.SubjectCommitment is null))
        {
            return Problem(StatusCodes.Status400BadRequest, "give exactly one of sopInstanceUid and subjectCommitment");
        }
        Hash subject;
        if (body.SopInstanceUid is not null)
        {
            if (!SubjectCommitments.IsUidShaped(body.SopInstanceUid))
            {
                return Problem(StatusCodes.Status400BadRequest, "sopInstanceUid is not a UID (1 to 64 digits and dots)");
            }
            subject = ledger.Log.CommitSubject(body.SopInstanceUid);
        }
        else if (!Hash.TryParseHex(body.SubjectCommitment, out subject))
        {
            return Problem(StatusCodes.Status400BadRequest, "subjectCommitment is not 64 hex digits");
        }
        if (!Hash.TryParseHex(body.PixelHash, out var pixels))
        {
            return Problem(StatusCodes.Status400BadRequest, "pixelHash is required: 64 hex digits");
        }
        var signature = default(Hash);
        var device = default(Hash);
        if (body.SignatureHash is not null && !Hash.TryParseHex(body.SignatureHash, out signature))
        {
            return Problem(StatusCodes.Status400BadRequest, "signatureHash is not 64 hex digits");
        }
        if (body.DeviceCertificateFingerprint is not null && !Hash.TryParseHex(body.DeviceCertificateFingerprint, out device))
        {
            return Problem(StatusCodes.Status400BadRequest, "deviceCertificateFingerprint is not 64 hex digits");
        }
        AppendReceipt receipt;
        try
        {
            receipt = await ledger.Log.AppendAsync(new EntrySubmission(subject, pixels, signature, device), cancellationToken);
        }
        catch (Exception e) when (e is LogIntegrityException or ObjectDisposedException or IOException or System.Data.Common.DbException or System.Threading.Channels.ChannelClosedException)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "the entry was not logged: " + e.Message);
        }
        return Results.Json(new AddEntryResponse(receipt.Index, receipt.LeafHash.ToHex(), Convert.ToBase64String(receipt.Entry), receipt.Checkpoint.Format()));
    }

    private static bool TryLong(string? text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static async Task<IResult> ProveInclusionAsync(HttpRequest request, LedgerHost ledger, CancellationToken cancellationToken)
    {
        var log = ledger.Log;
        var head = log.Checkpoint;
        var query = request.Query;
        var size = head.Checkpoint.Size;
        if (query.ContainsKey("treeSize") && !TryLong(query["treeSize"], out size))
        {
            return Problem(StatusCodes.Status400BadRequest, "treeSize is not a non-negative integer");
        }
        if (size < 1 || size > head.Checkpoint.Size)
        {
            return Problem(StatusCodes.Status400BadRequest, $"treeSize must be from 1 to {head.Checkpoint.Size}");
        }
        InclusionProof? proof;
        if (query.ContainsKey("leafHash"))
        {
            if (!Hash.TryParseHex(query["leafHash"], out var leaf))
            {
                return Problem(StatusCodes.Status400BadRequest, "leafHash is not 64 hex digits");
            }
            proof = await log.ProveInclusionAsync(leaf, size, cancellationToken);
            if (proof is null)
            {
                return Problem(StatusCodes.Status404NotFound, $"no entry with leaf hash {leaf} in the tree of size {size}");
            }
        }
        else if (TryLong(query["index"], out var index))
        {
            if (index >= size)
            {
                return Problem(StatusCodes.Status400BadRequest, $"index {index} is not in the tree of size {size}");
            }
            proof = await log.ProveInclusionAsync(index, size, cancellationToken);
        }
        else
        {
            return Problem(StatusCodes.Status400BadRequest, "give leafHash (hex) or index");
        }
        var checkpoint = size == head.Checkpoint.Size ? head.Format() : null;
        return Results.Json(new InclusionProofBundle(proof.Index, proof.TreeSize, proof.LeafHash.ToHex(), [.. proof.Hashes.Select(h => h.ToHex())], checkpoint), ProofBundles.Json);
    }

    private static async Task<IResult> ProveConsistencyAsync(HttpRequest request, LedgerHost ledger, CancellationToken cancellationToken)
    {
        var log = ledger.Log;
        var head = log.Checkpoint;
        var query = request.Query;
        if (!TryLong(query["from"], out var from))
        {
            return Problem(StatusCodes.Status400BadRequest, "from is required: a non-negative integer");
        }
        var to = head.Checkpoint.Size;
        if (query.ContainsKey("to") && !TryLong(query["to"], out to))
        {
            return Problem(StatusCodes.Status400BadRequest, "to is not a non-negative integer");
        }
        if (from > to || to > head.Checkpoint.Size)
        {
            return Problem(StatusCodes.Status400BadRequest, $"need from <= to <= {head.Checkpoint.Size}");
        }
        var proof = await log.ProveConsistencyAsync(from, to, cancellationToken);
        var checkpoint = to == head.Checkpoint.Size ? head.Format() : null;
        return Results.Json(new ConsistencyProofBundle(from, to, [.. proof.Select(h => h.ToHex())], checkpoint), ProofBundles.Json);
    }
}
