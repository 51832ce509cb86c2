using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Merkle;

namespace RadSeal.Cli.Log;

/// <summary>
/// `radseal log prove (--url URL | --db PATH) (--leaf-hash HEX | --index N | --from N)`: an inclusion or consistency
/// proof bundle (JSON, with the signed checkpoint it is checked against) for `radseal log verify-proof`.
/// </summary>
internal static class LogProveCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var url = new Option<string?>("--url") { Description = "Ask a log server" };
        var db = new Option<string?>("--db") { Description = "Read a local log's store" };
        var leafHash = new Option<string?>("--leaf-hash") { Description = "Inclusion proof of the entry with this leaf hash (hex)" };
        var index = new Option<long?>("--index") { Description = "Inclusion proof of the entry at this index" };
        var from = new Option<long?>("--from") { Description = "Consistency proof from this tree size to the latest" };
        var output = new Option<string?>("--out") { Description = "Write the bundle to this file instead of stdout" };
        var command = new Command("prove", "Write an inclusion or consistency proof bundle (JSON) against the latest checkpoint") { url, db, leafHash, index, from, output };
        command.SetAction(result => LogCli.Run(stderr, () => RunAsync(
            result.GetValue(url), result.GetValue(db), result.GetValue(leafHash), result.GetValue(index), result.GetValue(from), result.GetValue(output), stdout)));
        return command;
    }

    private static async Task<int> RunAsync(string? url, string? db, string? leafHash, long? index, long? from, string? output, TextWriter stdout)
    {
        if ((url is null) == (db is null))
        {
            throw new LogVerbException(ExitCodes.Usage, "give exactly one of --url and --db");
        }
        if ((leafHash is null ? 0 : 1) + (index is null ? 0 : 1) + (from is null ? 0 : 1) != 1)
        {
            throw new LogVerbException(ExitCodes.Usage, "give exactly one of --leaf-hash, --index and --from");
        }
        if (leafHash is not null && !Hash.TryParseHex(leafHash, out _))
        {
            throw new LogVerbException(ExitCodes.Usage, "--leaf-hash is 64 hex digits");
        }
        string json;
        if (url is not null)
        {
            using var client = LogCli.Client(url);
            var path = from is not null
                ? $"log/v1/proof/consistency?from={from.Value.ToString(CultureInfo.InvariantCulture)}"
                : leafHash is not null ? $"log/v1/proof/inclusion?leafHash={leafHash}" : $"log/v1/proof/inclusion?index={index!.Value.ToString(CultureInfo.InvariantCulture)}";
            var body = await LogCli.GetAsync(client, path) ?? throw new LogVerbException(ExitCodes.CheckFailed, "the log has no such entry");
            json = System.Text.Encoding.UTF8.GetString(body);
        }
        else
        {
            var (store, log) = await LogCli.OpenLocalAsync(db!);
            try
            {
                var head = log.Checkpoint;
                var size = head.Checkpoint.Size;
                if (from is not null)
                {
                    if (from < 0 || from > size)
                    {
                        throw new LogVerbException(ExitCodes.Usage, $"--from must be from 0 to {size}");
                    }
                    var proof = await log.ProveConsistencyAsync(from.Value, size);
                    json = JsonSerializer.Serialize(new ConsistencyProofBundle(from.Value, size, [.. proof.Select(h => h.ToHex())], head.Format()), ProofBundles.Json);
                }
                else
                {
                    InclusionProof? proof;
                    if (leafHash is not null)
                    {
                        proof = size == 0 ? null : await log.ProveInclusionAsync(Hash.TryParseHex(leafHash, out var h) ? h : default, size);
                    }
                    else
                    {
                        proof = index >= 0 && index < size ? await log.ProveInclusionAsync(index.Value, size) : null;
                    }
                    if (proof is null)
                    {
                        throw new LogVerbException(ExitCodes.CheckFailed, $"the log (size {size}) has no such entry");
                    }
                    json = JsonSerializer.Serialize(new InclusionProofBundle(proof.Index, proof.TreeSize, proof.LeafHash.ToHex(), [.. proof.Hashes.Select(h => h.ToHex())], head.Format()), ProofBundles.Json);
                }
            }
            finally
            {
                await LogCli.CloseAsync(store, log);
            }
        }
        if (output is not null)
        {
            LogCli.WriteAtomically(output, json + "\n");
        }
        else
        {
            stdout.WriteLine(json);
        }
        return ExitCodes.Ok;
    }
}
