using System.CommandLine;
using System.Globalization;
using RadSeal.Ledger;
using RadSeal.Ledger.Checkpoints;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Merkle;

namespace RadSeal.Cli.Log;

/// <summary>
/// `radseal log witness --log-key VKEY --key SKEY --state FILE (--url URL | --checkpoint FILE [--proof FILE])`: cosigns
/// the log's checkpoint if it extends the last one this witness cosigned (kept in --state), and refuses a fork.
/// </summary>
internal static class LogWitnessCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var url = new Option<string?>("--url") { Description = "Fetch the checkpoint and the consistency proof from this log server" };
        var logKey = new Option<string>("--log-key") { Description = "The log's verifier key (or a file with it)", Required = true };
        var key = new Option<string>("--key") { Description = "The witness's signer key file (from `radseal log keygen --witness`)", Required = true };
        var state = new Option<string>("--state") { Description = "File keeping the last checkpoint this witness cosigned (created on first use)", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Offline: the signed checkpoint to cosign" };
        var proof = new Option<string?>("--proof") { Description = "Offline: consistency proof bundle from the remembered size to the checkpoint's" };
        var output = new Option<string?>("--out") { Description = "Write the cosigned checkpoint here instead of stdout" };
        var command = new Command("witness", "Cosign a checkpoint that is consistent with the last one cosigned; refuse forks and rollbacks")
        {
            url, logKey, key, state, checkpoint, proof, output,
        };
        command.SetAction(result => LogCli.Run(stderr, () => RunAsync(
            result.GetValue(url), result.GetValue(logKey)!, result.GetValue(key)!, result.GetValue(state)!,
            result.GetValue(checkpoint), result.GetValue(proof), result.GetValue(output), stdout)));
        return command;
    }

    private static async Task<int> RunAsync(string? url, string logKeyText, string keyFile, string statePath, string? checkpointPath, string? proofPath, string? output, TextWriter stdout)
    {
        if ((url is null) == (checkpointPath is null))
        {
            throw new LogVerbException(ExitCodes.Usage, "give exactly one of --url and --checkpoint");
        }
        var logKey = LogCli.ReadVerifier(logKeyText);
        using var signer = LogCli.ReadSigner(keyFile);
        if (signer.Type != NoteKeyType.CosignatureV1)
        {
            throw new LogVerbException(ExitCodes.Usage, $"{keyFile}: not a witness key (make one with `radseal log keygen --witness`)");
        }
        Checkpoint? last = null;
        if (File.Exists(statePath))
        {
            try
            {
                last = SignedCheckpoint.Open(File.ReadAllText(statePath), logKey).Checkpoint;
            }
            catch (Exception e) when (e is LedgerFormatException or InvalidSignatureException or UnverifiedNoteException)
            {
                throw new LogVerbException(ExitCodes.InvalidInput, $"{statePath}: the remembered checkpoint does not verify: {e.Message}");
            }
        }
        string note;
        Hash[] proof = [];
        if (url is not null)
        {
            using var client = LogCli.Client(url);
            note = await LogCli.GetTextAsync(client, "checkpoint");
            if (last is not null && last.Size > 0)
            {
                long size;
                try
                {
                    size = Checkpoint.Parse(Note.Parse(note).Text).Size;
                }
                catch (LedgerFormatException e)
                {
                    throw new LogVerbException(ExitCodes.CheckFailed, "the served checkpoint is malformed: " + e.Message);
                }
                if (size >= last.Size)
                {
                    var json = await LogCli.GetTextAsync(client,
                        $"log/v1/proof/consistency?from={last.Size.ToString(CultureInfo.InvariantCulture)}&to={size.ToString(CultureInfo.InvariantCulture)}");
                    proof = ReadProof(json, "consistency proof from the server");
                }
            }
        }
        else
        {
            note = LogCli.ReadFile(checkpointPath!);
            if (proofPath is not null)
            {
                proof = ReadProof(LogCli.ReadFile(proofPath), proofPath);
            }
        }
        var witness = new Witness(signer, logKey);
        (Note Cosigned, Checkpoint Checkpoint) result;
        try
        {
            result = witness.Cosign(note, last, proof);
        }
        catch (WitnessRefusedException e)
        {
            throw new LogVerbException(ExitCodes.CheckFailed, $"witness refused ({e.Reason}): {e.Message}");
        }
        var cosigned = result.Cosigned.Format();
        // Remember before publishing: a crash in between leaves a cosignature unpublished, never a forgotten one.
        LogCli.WriteAtomically(statePath, cosigned);
        if (output is not null)
        {
            LogCli.WriteAtomically(output, cosigned);
        }
        else
        {
            stdout.Write(cosigned);
        }
        return ExitCodes.Ok;
    }

    private static Hash[] ReadProof(string json, string source)
    {
        try
        {
            if (ProofBundles.Parse(json) is ConsistencyProofBundle bundle && bundle.Proof.All(h => Hash.TryParseHex(h, out _)))
            {
                return [.. bundle.Proof.Select(h => Hash.TryParseHex(h, out var x) ? x : default)];
            }
        }
        catch (LedgerFormatException)
        {
        }
        throw new LogVerbException(ExitCodes.InvalidInput, $"{source}: not a consistency proof bundle");
    }
}
