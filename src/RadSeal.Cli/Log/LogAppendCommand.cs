using System.CommandLine;
using System.Text.Json;
using RadSeal.Dicom;
using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Log;
using RadSeal.Provenance.Logging;

namespace RadSeal.Cli.Log;

/// <summary>
/// `radseal log append --db PATH FILE…`: one entry per DICOM file, for local administration. The entry holds the keyed
/// commitment to the SOP Instance UID, the pixel-content hash, the signature hash and the signer certificate's
/// fingerprint (docs/ledger.md says exactly which bytes each covers); nothing else from the file.
/// </summary>
internal static class LogAppendCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var db = new Option<string>("--db") { Description = "The log's store (SQLite file or postgresql:// URI)", Required = true };
        var files = new Argument<string[]>("files") { Description = "DICOM files to log", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "One JSON object per file: path, index, leafHash, entry (base64)" };
        var command = new Command("append", "Log one entry per DICOM file (waits until each is durable)") { db, files, json };
        command.SetAction(result => LogCli.Run(stderr, () => RunAsync(result.GetValue(db)!, result.GetValue(files)!, result.GetValue(json), stdout, stderr)));
        return command;
    }

    private static async Task<int> RunAsync(string db, string[] files, bool json, TextWriter stdout, TextWriter stderr)
    {
        var exit = ExitCodes.Ok;
        var described = new List<(string Path, EntrySubmission? Submission)>();
        var (store, log) = await LogCli.OpenLocalAsync(db);
        try
        {
            foreach (var path in files)
            {
                try
                {
                    var (uid, pixels, signature, device) = ImageEntries.Describe(DicomFile.Open(path));
                    described.Add((path, new EntrySubmission(log.CommitSubject(uid), pixels, signature, device)));
                }
                catch (Exception ex) when (ex is DicomFormatException or IOException or UnauthorizedAccessException)
                {
                    exit = Failures.Worst(exit, Failures.Report(stderr, path, ex));
                }
            }
            // Appended together so they share batches (one commit for many files).
            var receipts = await Task.WhenAll(described.Select(d => log.AppendAsync(d.Submission!)));
            for (var i = 0; i < receipts.Length; i++)
            {
                var r = receipts[i];
                stdout.WriteLine(json
                    ? JsonSerializer.Serialize(new { path = described[i].Path, index = r.Index, leafHash = r.LeafHash.ToHex(), entry = Convert.ToBase64String(r.Entry) })
                    : $"{described[i].Path}: index {r.Index}, leaf {r.LeafHash}");
            }
            if (!json && receipts.Length > 0)
            {
                stdout.WriteLine($"checkpoint: size {log.Checkpoint.Checkpoint.Size}, root {log.Checkpoint.Checkpoint.Root}");
            }
        }
        finally
        {
            await LogCli.CloseAsync(store, log);
        }
        return exit;
    }
}
