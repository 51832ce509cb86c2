using System.CommandLine;
using RadSeal.Ledger;
using RadSeal.Ledger.Checkpoints;
using RadSeal.Ledger.Log;

namespace RadSeal.Cli.Log;

/// <summary>
/// `radseal log audit (--url URL --key VKEY | --db PATH)`: recompute the whole tree from the served entry bundles and
/// tiles and compare with the signed checkpoint, as any independent tlog monitor would.
/// </summary>
internal static class LogAuditCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var url = new Option<string?>("--url") { Description = "Audit a log server through its tlog-tiles resources" };
        var key = new Option<string?>("--key") { Description = "The log's verifier key (or a file with it); required with --url" };
        var db = new Option<string?>("--db") { Description = "Audit a local log's store (through the same tile reads the server uses)" };
        var command = new Command("audit", "Re-hash every entry and tile and check the root against the signed checkpoint") { url, key, db };
        command.SetAction(result => LogCli.Run(stderr, () => RunAsync(result.GetValue(url), result.GetValue(key), result.GetValue(db), stdout, stderr)));
        return command;
    }

    private static async Task<int> RunAsync(string? url, string? key, string? db, TextWriter stdout, TextWriter stderr)
    {
        if ((url is null) == (db is null))
        {
            throw new LogVerbException(ExitCodes.Usage, "give exactly one of --url and --db");
        }
        AuditReport report;
        if (url is not null)
        {
            if (key is null)
            {
                throw new LogVerbException(ExitCodes.Usage, "--url needs --key: the checkpoint must be verified with a key from elsewhere");
            }
            using var client = LogCli.Client(url);
            var text = await LogCli.GetTextAsync(client, "checkpoint");
            Checkpoint checkpoint;
            try
            {
                checkpoint = SignedCheckpoint.Open(text, LogCli.ReadVerifier(key)).Checkpoint;
            }
            catch (Exception e) when (e is LedgerFormatException or InvalidSignatureException or UnverifiedNoteException)
            {
                throw new LogVerbException(ExitCodes.CheckFailed, "the served checkpoint does not verify: " + e.Message);
            }
            report = await LogAuditor.AuditAsync(LogCli.HttpTiles(client), checkpoint);
        }
        else
        {
            var (store, log) = await LogCli.OpenLocalAsync(db!);
            try
            {
                report = await LogAuditor.AuditAsync(LogCli.LocalTiles(log), log.Checkpoint.Checkpoint);
            }
            finally
            {
                await LogCli.CloseAsync(store, log);
            }
        }
        foreach (var problem in report.Problems)
        {
            stderr.WriteLine($"radseal: audit: {problem}");
        }
        stdout.WriteLine($"{(report.IsConsistent ? "consistent" : "INCONSISTENT")}: {report.EntriesChecked} of {report.TreeSize} entries and {report.TilesChecked} tiles checked");
        return report.IsConsistent ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }
}
