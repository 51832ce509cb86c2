using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using RadSeal.Ledger.Merkle;

namespace RadSeal.Ledger.Log;

/// <summary>A log server answered with an error status, or with a body that is not what the API promises.</summary>
public sealed class LogServerException(string message) : Exception(message);

/// <summary>
/// Reading a log server's public resources (C2SP tlog-tiles and the proof API) over HTTP: what `radseal log audit`,
/// `prove`, `witness` and `radseal inspect --log` share. Nothing here is trusted: callers verify the checkpoint with the
/// log's key and every hash against it.
/// </summary>
public static class LogHttp
{
    /// <summary>A client whose base address is the log's URL (relative resource paths resolve under it).</summary>
    /// <exception cref="ArgumentException">Not an absolute http(s) URL.</exception>
    public static HttpClient Client(string url, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"'{url}' is not an http(s) URL", nameof(url));
        }
        return new HttpClient { BaseAddress = uri, Timeout = timeout ?? TimeSpan.FromSeconds(60) };
    }

    /// <summary>GETs a resource; null on 404.</summary>
    /// <exception cref="LogServerException">Another error status.</exception>
    /// <exception cref="HttpRequestException">The server cannot be reached.</exception>
    public static async Task<byte[]?> GetAsync(HttpClient client, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(path);
        using var response = await client.GetAsync(path.TrimStart('/'), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new LogServerException($"log server: GET /{path.TrimStart('/')}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
        }
        return body;
    }

    /// <summary>The served checkpoint note (unverified).</summary>
    public static async Task<string> GetCheckpointAsync(HttpClient client, CancellationToken cancellationToken = default) =>
        Encoding.UTF8.GetString(await GetAsync(client, "checkpoint", cancellationToken).ConfigureAwait(false)
            ?? throw new LogServerException("log server: /checkpoint not found"));

    /// <summary>The tlog-tiles resources of a server.</summary>
    public static TileSource Tiles(HttpClient client) => (tile, ct) => GetAsync(client, tile.ToString(), ct);

    /// <summary>
    /// The proof hashes (leaf to root) the server gives for leaf <paramref name="index"/> in the tree of
    /// <paramref name="treeSize"/> leaves (`GET /log/v1/proof/inclusion?index=N&amp;treeSize=S`); null on 404. Unverified:
    /// check them with <see cref="Proofs.VerifyInclusion"/> against a root you verified.
    /// </summary>
    public static async Task<Hash[]?> GetInclusionProofAsync(HttpClient client, long index, long treeSize, CancellationToken cancellationToken = default)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"log/v1/proof/inclusion?index={index}&treeSize={treeSize}");
        var body = await GetAsync(client, path, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return null;
        }
        InclusionProofBundle? bundle;
        try
        {
            bundle = JsonSerializer.Deserialize<InclusionProofBundle>(body, ProofBundles.Json);
        }
        catch (JsonException e)
        {
            throw new LogServerException($"log server: /{path}: not a proof bundle: {e.Message}");
        }
        if (bundle is null || bundle.LeafIndex != index || bundle.TreeSize != treeSize || !ProofBundles.TryParseHashes(bundle.Proof, out var hashes))
        {
            throw new LogServerException($"log server: /{path}: the proof bundle is not for leaf {index} of {treeSize} or holds a hash that is not 64 hex digits");
        }
        return hashes;
    }
}
