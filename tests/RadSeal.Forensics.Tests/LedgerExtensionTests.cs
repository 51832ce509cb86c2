using RadSeal.Forensics.Layers;
using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Merkle;
using RadSeal.Ledger.Storage;
using RadSeal.Provenance.Logging;

namespace RadSeal.Forensics.Tests;

/// <summary>
/// A long-running reader (the gate's `requireLedgerInclusion`) asks the log again when an image is not in the tree it
/// verified: the new check extends that tree with the entries logged since, fetching only their bundles, and still
/// answers for the old entries; a check keeps answering for its own checkpoint only.
/// </summary>
public sealed class LedgerExtensionTests : IDisposable
{
    private readonly string dir = Support.TempDir();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    private static Hash Pixels(int i) => Hash.Sha256(BitConverter.GetBytes(i));

    private static ImageEntry Image(int i) => new($"1.2.826.0.1.3680043.10.7.{i}", Pixels(i), default, default);

    private static async Task AppendAsync(TransparencyLog log, int from, int count) =>
        await Task.WhenAll(Enumerable.Range(from, count).Select(i =>
            log.AppendAsync(new EntrySubmission(log.CommitSubject(Image(i).SopInstanceUid), Pixels(i), default, default))));

    private static string Code(IReadOnlyList<Finding> findings) => findings.Single(f => f.Code.StartsWith("LEDGER_", StringComparison.Ordinal)).Code;

    [Fact]
    public async Task A_rescan_fetches_only_what_was_logged_since_and_each_check_answers_for_its_own_checkpoint()
    {
        var log = await TransparencyLog.OpenAsync(LogStores.Open(Path.Combine(dir, "log.db")), new LogOptions { Origin = "radseal.test/extension", MaxBatchSize = 100 });
        try
        {
            var bundles = new List<long>();
            var source = new LedgerSource("test log", log.PublicKey, _ => Task.FromResult(log.Checkpoint.Format()),
                (tile, ct) =>
                {
                    if (tile.IsEntryBundle)
                    {
                        lock (bundles)
                        {
                            bundles.Add(tile.Index);
                        }
                    }
                    return log.ReadTileAsync(tile, ct);
                },
                async (index, size, ct) => (await log.ProveInclusionAsync(index, size, ct)).Hashes);

            await AppendAsync(log, 0, 300);
            var first = new LedgerCheck(source);
            Assert.Equal("LEDGER_INCLUDED", Code((await first.CheckAsync(Image(5), CancellationToken.None)).Findings));
            Assert.Equal([0L, 1L], bundles.Order());

            await AppendAsync(log, 300, 300); // entries 300..599: the partial bundle 1 grows, bundle 2 is new
            bundles.Clear();
            var second = new LedgerCheck(source, previous: first);
            Assert.Equal("LEDGER_INCLUDED", Code((await second.CheckAsync(Image(450), CancellationToken.None)).Findings));
            Assert.Equal([1L, 2L], bundles.Order()); // not bundle 0: the verified tree is extended, not rebuilt
            Assert.Equal("LEDGER_INCLUDED", Code((await second.CheckAsync(Image(5), CancellationToken.None)).Findings));
            Assert.Equal("LEDGER_NOT_FOUND", Code((await second.CheckAsync(Image(9999), CancellationToken.None)).Findings));
            // The first check still answers for its checkpoint (size 300), although the shared index now holds more.
            Assert.Equal("LEDGER_NOT_FOUND", Code((await first.CheckAsync(Image(450), CancellationToken.None)).Findings));
        }
        finally
        {
            var store = log.Store;
            await log.DisposeAsync();
            await store.DisposeAsync();
        }
    }
}
