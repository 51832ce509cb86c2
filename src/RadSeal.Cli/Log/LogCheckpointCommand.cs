using System.CommandLine;
using RadSeal.Ledger;
using RadSeal.Ledger.Checkpoints;

namespace RadSeal.Cli.Log;

/// <summary>`radseal log checkpoint (--db PATH | --url URL) [--key VKEY] [--vkey]`: the latest signed checkpoint.</summary>
internal static class LogCheckpointCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var db = new Option<string?>("--db") { Description = "Read a local log's store" };
        var url = new Option<string?>("--url") { Description = "Fetch /checkpoint from a log server" };
        var key = new Option<string?>("--key") { Description = "The log's verifier key (or a file with it): verify the checkpoint's signature" };
        var vkey = new Option<bool>("--vkey") { Description = "Print the log's verifier key (from --db) instead of the checkpoint" };
        var command = new Command("checkpoint", "Print the latest signed checkpoint (C2SP tlog-checkpoint)") { db, url, key, vkey };
        command.SetAction(result => LogCli.Run(stderr, () => RunAsync(result.GetValue(db), result.GetValue(url), result.GetValue(key), result.GetValue(vkey), stdout)));
        return command;
    }

    private static async Task<int> RunAsync(string? db, string? url, string? key, bool vkey, TextWriter stdout)
    {
        if ((db is null) == (url is null))
        {
            throw new LogVerbException(ExitCodes.Usage, "give exactly one of --db and --url");
        }
        string text;
        string? publicKey = null;
        if (db is not null)
        {
            var (store, log) = await LogCli.OpenLocalAsync(db);
            text = log.Checkpoint.Format();
            publicKey = log.PublicKey.ToString();
            await LogCli.CloseAsync(store, log);
        }
        else
        {
            if (vkey)
            {
                throw new LogVerbException(ExitCodes.Usage, "--vkey reads the key from --db: a key fetched from the server itself proves nothing");
            }
            using var client = LogCli.Client(url!);
            text = await LogCli.GetTextAsync(client, "checkpoint");
        }
        if (key is not null)
        {
            try
            {
                SignedCheckpoint.Open(text, LogCli.ReadVerifier(key));
            }
            catch (Exception e) when (e is LedgerFormatException or InvalidSignatureException or UnverifiedNoteException)
            {
                throw new LogVerbException(ExitCodes.CheckFailed, "checkpoint does not verify: " + e.Message);
            }
        }
        stdout.Write(vkey ? publicKey + "\n" : text);
        return ExitCodes.Ok;
    }
}
