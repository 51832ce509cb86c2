using BenchmarkDotNet.Attributes;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Merkle;
using RadSeal.Ledger.Storage;

namespace RadSeal.Benchmarks.Ledger;

/// <summary>
/// Proofs in a big log: the log in RADSEAL_LEDGER_DB (built by `ledger-build`, 10 million entries in bench/ledger.sh).
/// ProveInclusion is what the server does per request (plan, one batched read from SQLite, assemble); VerifyInclusion
/// is the client's pure check; ProveConsistency is a witness's request between two random sizes.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet closes the log in [GlobalCleanup]; it needs an unsealed class.")]
public class InclusionProofBenchmarks
{
    private SqliteLogStore _store = null!;
    private TransparencyLog _log = null!;
    private long _size;
    private Hash _root;
    private Random _random = null!;
    private InclusionProof _proof = null!;

    [GlobalSetup]
    public void Setup()
    {
        var db = Environment.GetEnvironmentVariable("RADSEAL_LEDGER_DB")
            ?? throw new InvalidOperationException("Set RADSEAL_LEDGER_DB to a log built with `ledger-build` (bench/ledger.sh does).");
        _store = new SqliteLogStore(db);
        _log = TransparencyLog.OpenAsync(_store).GetAwaiter().GetResult();
        _size = _log.Checkpoint.Checkpoint.Size;
        _root = _log.Checkpoint.Checkpoint.Root;
        _random = new Random(42);
        _proof = _log.ProveInclusionAsync(_size / 3, _size).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    public InclusionProof ProveInclusion() => _log.ProveInclusionAsync(_random.NextInt64(_size), _size).GetAwaiter().GetResult();

    [Benchmark]
    public bool VerifyInclusion() => Proofs.VerifyInclusion(_proof.Index, _size, _proof.LeafHash, _proof.Hashes, _root).IsValid;

    [Benchmark]
    public Hash[] ProveConsistency()
    {
        var a = 1 + _random.NextInt64(_size - 1);
        return _log.ProveConsistencyAsync(a, _size).GetAwaiter().GetResult();
    }
}
