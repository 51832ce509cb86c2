using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RadSeal.Ledger;
using RadSeal.Ledger.Checkpoints;
using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Merkle;
using RadSeal.Ledger.Tiles;
using RadSeal.Server.Endpoints;

namespace RadSeal.Server.Tests;

public class LedgerEndpointTests
{
    private static string Hex(string seed) => Hash.Sha256(Encoding.UTF8.GetBytes(seed)).ToHex();

    private static HttpRequestMessage Add(object body, string? token = LedgerServer.Token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "log/v1/entries") { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    private static async Task<AddEntryResponse> AddOkAsync(HttpClient client, int i)
    {
        using var response = await client.SendAsync(Add(new { sopInstanceUid = $"1.2.826.0.1.3680043.10.{i}", pixelHash = Hex($"pixels {i}"), signatureHash = Hex($"sig {i}") }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AddEntryResponse>())!;
    }

    [Fact]
    public async Task Added_entries_are_served_as_tiles_an_auditor_can_recompute()
    {
        await using var server = await LedgerServer.StartAsync();
        var receipts = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => AddOkAsync(server.Client, i)));
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), receipts.Select(r => r.Index).Order());

        using var response = await server.Client.GetAsync("checkpoint");
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var key = server.Ledger.Log.PublicKey;
        var checkpoint = SignedCheckpoint.Open(await response.Content.ReadAsStringAsync(), key, "radseal.test/ledger").Checkpoint;
        Assert.Equal(300, checkpoint.Size);

        async Task<byte[]?> Fetch(TilePath tile, CancellationToken ct)
        {
            using var r = await server.Client.GetAsync(tile.ToString(), ct);
            return r.StatusCode == HttpStatusCode.NotFound ? null : await r.EnsureSuccessStatusCode().Content.ReadAsByteArrayAsync(ct);
        }
        var report = await LogAuditor.AuditAsync(Fetch, checkpoint);
        Assert.True(report.IsConsistent, string.Join("; ", report.Problems));
        Assert.Equal(300, report.EntriesChecked);

        // The entries hold no UID: only the keyed commitment, which the server recomputes from the UID.
        var entry = LogEntry.Decode(Convert.FromBase64String(receipts[0].Entry));
        var uid = $"1.2.826.0.1.3680043.10.{Enumerable.Range(0, 300).Single(i => Hex($"pixels {i}") == entry.Submission.PixelHash.ToHex())}";
        Assert.Equal(server.Ledger.Log.CommitSubject(uid), entry.Submission.SubjectCommitment);
        Assert.DoesNotContain(Encoding.ASCII.GetBytes(uid), Convert.FromBase64String(receipts[0].Entry).Chunk(1000));
    }

    [Fact]
    public async Task Proofs_by_leaf_hash_and_consistency_verify_against_the_signed_checkpoint()
    {
        await using var server = await LedgerServer.StartAsync();
        var receipts = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => AddOkAsync(server.Client, i)));
        var key = server.Ledger.Log.PublicKey;
        var first = receipts.OrderBy(r => r.Index).First().Checkpoint;

        var json = await server.Client.GetStringAsync($"log/v1/proof/inclusion?leafHash={receipts[7].LeafHash}");
        var bundle = Assert.IsType<InclusionProofBundle>(ProofBundles.Parse(json));
        Assert.Equal(receipts[7].Index, bundle.LeafIndex);
        Assert.Equal(ProofFailure.None, bundle.Verify(key).Failure);

        var byIndex = Assert.IsType<InclusionProofBundle>(ProofBundles.Parse(await server.Client.GetStringAsync("log/v1/proof/inclusion?index=3&treeSize=20")));
        Assert.Null(byIndex.Checkpoint); // only the latest checkpoint is carried
        Assert.Equal(20, byIndex.TreeSize);

        var firstSize = Checkpoint.Parse(Note.Parse(first).Text).Size;
        var consistency = Assert.IsType<ConsistencyProofBundle>(ProofBundles.Parse(await server.Client.GetStringAsync($"log/v1/proof/consistency?from={firstSize}")));
        Assert.Equal(ProofFailure.None, consistency.Verify(key, first).Failure);
    }

    [Theory]
    [InlineData("log/v1/proof/inclusion?leafHash=00", HttpStatusCode.BadRequest)]
    [InlineData("log/v1/proof/inclusion?leafHash=0000000000000000000000000000000000000000000000000000000000000000", HttpStatusCode.NotFound)]
    [InlineData("log/v1/proof/inclusion?index=99", HttpStatusCode.BadRequest)]
    [InlineData("log/v1/proof/inclusion?index=0&treeSize=6", HttpStatusCode.BadRequest)]
    [InlineData("log/v1/proof/inclusion", HttpStatusCode.BadRequest)]
    [InlineData("log/v1/proof/consistency?from=4&to=2", HttpStatusCode.BadRequest)]
    [InlineData("log/v1/proof/consistency?from=x", HttpStatusCode.BadRequest)]
    [InlineData("log/v1/proof/consistency", HttpStatusCode.BadRequest)]
    [InlineData("tile/0/000", HttpStatusCode.NotFound)]
    [InlineData("tile/0/000.p/6", HttpStatusCode.NotFound)]
    [InlineData("tile/0/000.p/5", HttpStatusCode.OK)]
    [InlineData("tile/entries/000.p/5", HttpStatusCode.OK)]
    [InlineData("tile/1/000.p/1", HttpStatusCode.NotFound)]
    [InlineData("tile/00/000", HttpStatusCode.BadRequest)]
    [InlineData("tile/0/x000", HttpStatusCode.BadRequest)]
    [InlineData("tile/0/000.p/256", HttpStatusCode.BadRequest)]
    public async Task Bad_requests_get_a_4xx_with_a_reason(string path, HttpStatusCode status)
    {
        await using var server = await LedgerServer.StartAsync();
        await Task.WhenAll(Enumerable.Range(0, 5).Select(i => AddOkAsync(server.Client, i)));
        using var response = await server.Client.GetAsync(path);
        Assert.Equal(status, response.StatusCode);
        if (status != HttpStatusCode.OK)
        {
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("error").GetString()));
        }
    }

    [Fact]
    public async Task Adding_requires_the_token_and_a_well_formed_entry()
    {
        await using var server = await LedgerServer.StartAsync();
        var ok = new { sopInstanceUid = "1.2.3", pixelHash = Hex("p") };
        async Task<HttpStatusCode> Status(HttpRequestMessage request)
        {
            using var r = await server.Client.SendAsync(request);
            return r.StatusCode;
        }
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(Add(ok, token: null)));
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(Add(ok, token: "wrong-token-wrong-token")));
        Assert.Equal(HttpStatusCode.BadRequest, await Status(Add(new { pixelHash = Hex("p") })));
        Assert.Equal(HttpStatusCode.BadRequest, await Status(Add(new { sopInstanceUid = "1.2.3", subjectCommitment = Hex("s"), pixelHash = Hex("p") })));
        Assert.Equal(HttpStatusCode.BadRequest, await Status(Add(new { sopInstanceUid = "Doe^Jane", pixelHash = Hex("p") })));
        Assert.Equal(HttpStatusCode.BadRequest, await Status(Add(new { sopInstanceUid = "1.2.3" })));
        Assert.Equal(HttpStatusCode.BadRequest, await Status(Add(new { sopInstanceUid = "1.2.3", pixelHash = "abc" })));
        Assert.Equal(HttpStatusCode.BadRequest, await Status(Add(new { sopInstanceUid = "1.2.3", pixelHash = Hex("p"), signatureHash = "zz" })));
        var garbage = new HttpRequestMessage(HttpMethod.Post, "log/v1/entries") { Content = new StringContent("{not json") };
        garbage.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LedgerServer.Token);
        Assert.Equal(HttpStatusCode.BadRequest, await Status(garbage));
        var huge = new HttpRequestMessage(HttpMethod.Post, "log/v1/entries") { Content = new StringContent(new string(' ', 100_000)) };
        huge.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LedgerServer.Token);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await Status(huge));
        Assert.Equal(0, server.Ledger.Log.Checkpoint.Checkpoint.Size); // nothing was logged by any of these
        Assert.Equal(HttpStatusCode.OK, await Status(Add(ok)));
        Assert.Equal(HttpStatusCode.OK, await Status(Add(new { subjectCommitment = Hex("s"), pixelHash = Hex("p") })));
    }

    [Fact]
    public async Task Without_a_configured_token_adding_is_refused()
    {
        await using var server = await LedgerServer.StartAsync(withToken: false);
        using var response = await server.Client.SendAsync(Add(new { sopInstanceUid = "1.2.3", pixelHash = Hex("p") }));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
