using System.Text.Json;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// Workers check images one by one and hand the decisions to the committer, which fixes those that arrive within its
/// delay together: one ledger transaction, one audit flush for the decisions, one sync of the folder they move into,
/// then the delivery lines. Each image keeps its own order (ledger entry, audit line, move) and its own outcome.
/// </summary>
public sealed class GateBatchTests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Images_queued_together_are_decided_as_one_batch_each_with_its_own_outcome()
    {
        // Spooled before the start, so the one worker checks all six well within the committer's delay (made long here,
        // so that a slow first check, JIT and all, cannot split the group).
        var spool = Path.Combine(fx.Dir.File("batch"), "spool");
        Directory.CreateDirectory(Path.Combine(spool, "incoming"));
        var images = new List<(string Id, string Uid, bool Trusted)>();
        for (var i = 0; i < 6; i++)
        {
            var trusted = i != 3;
            var (path, uid) = fx.Image(trusted ? GatewayFixture.Kind.Trusted : GatewayFixture.Kind.NoSignature, viaCli: false);
            var id = $"20261126000000000-000{i}abcd";
            File.Copy(path, Path.Combine(spool, "incoming", id + ".dcm"));
            images.Add((id, uid, trusted));
        }
        await using var gw = await fx.StartGatewayAsync("batch", o => o with { Workers = 1, CommitDelay = TimeSpan.FromSeconds(3) });
        await gw.DrainAsync(quarantined: 1);

        var lines = File.ReadAllLines(Path.Combine(spool, "audit.log")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var events = lines.Select(l => (Event: l.GetProperty("event").GetString(), Id: l.GetProperty("id").GetString())).ToList();
        // All six decisions are written before any delivery: they were fixed together.
        Assert.Equal(6, events.TakeWhile(e => e.Event is "accepted" or "quarantined").Count());
        Assert.Equal(5, events.Skip(6).Count(e => e.Event == "archived"));
        foreach (var (id, uid, trusted) in images)
        {
            var decision = lines.Single(l => l.GetProperty("id").GetString() == id && l.GetProperty("event").GetString() != "archived");
            Assert.Equal(trusted ? "accepted" : "quarantined", decision.GetProperty("event").GetString());
            Assert.Equal(JsonValueKind.Number, decision.GetProperty("ledgerIndex").ValueKind); // each has its own ledger entry
            Assert.False(File.Exists(Path.Combine(spool, "incoming", id + ".dcm")));
            if (trusted)
            {
                Assert.NotNull(gw.Service.Archive.Find(uid));
            }
            else
            {
                Assert.True(File.Exists(Path.Combine(spool, "quarantine", id + ".dcm")));
                Assert.Null(gw.Service.Archive.Find(uid));
            }
        }
        // Six distinct ledger entries, in one log.
        Assert.Equal(6, lines.Where(l => l.GetProperty("event").GetString() != "archived").Select(l => l.GetProperty("ledgerIndex").GetInt64()).Distinct().Count());
    }
}
