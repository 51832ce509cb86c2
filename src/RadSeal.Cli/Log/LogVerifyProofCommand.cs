using System.CommandLine;
using RadSeal.Ledger;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Merkle;

namespace RadSeal.Cli.Log;

/// <summary>
/// `radseal log verify-proof PROOF --key VKEY [--checkpoint FILE] [--old-checkpoint FILE]`: checks a proof bundle
/// offline against a checkpoint signed by the log's key. Exit 0 valid, 1 not.
/// </summary>
internal static class LogVerifyProofCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var proof = new Argument<string>("proof") { Description = "A proof bundle written by `radseal log prove` or served by /log/v1/proof/…" };
        var key = new Option<string>("--key") { Description = "The log's verifier key (or a file with it)", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Check against this signed checkpoint instead of the one in the bundle" };
        var old = new Option<string?>("--old-checkpoint") { Description = "Consistency proofs: the older signed checkpoint the proof starts from" };
        var command = new Command("verify-proof", "Verify an inclusion or consistency proof against a signed checkpoint") { proof, key, checkpoint, old };
        command.SetAction(result => LogCli.Run(stderr, () => Task.FromResult(Run(
            result.GetValue(proof)!, result.GetValue(key)!, result.GetValue(checkpoint), result.GetValue(old), stdout, stderr))));
        return command;
    }

    private static int Run(string proofPath, string keyText, string? checkpointPath, string? oldPath, TextWriter stdout, TextWriter stderr)
    {
        var key = LogCli.ReadVerifier(keyText);
        object bundle;
        try
        {
            bundle = ProofBundles.Parse(LogCli.ReadFile(proofPath));
        }
        catch (LedgerFormatException e)
        {
            throw new LogVerbException(ExitCodes.InvalidInput, $"{proofPath}: {e.Message}");
        }
        var checkpoint = checkpointPath is null ? null : LogCli.ReadFile(checkpointPath);
        (ProofFailure Failure, string Message, RadSeal.Ledger.Checkpoints.Checkpoint? Checkpoint) result;
        string what;
        switch (bundle)
        {
            case InclusionProofBundle inclusion:
                result = inclusion.Verify(key, checkpoint);
                what = $"entry {inclusion.LeafIndex} (leaf {inclusion.LeafHash}) is in the log";
                break;
            case ConsistencyProofBundle consistency:
                if (oldPath is null)
                {
                    throw new LogVerbException(ExitCodes.Usage, "a consistency proof needs --old-checkpoint");
                }
                result = (checkpoint is null ? consistency : consistency with { Checkpoint = checkpoint }).Verify(key, LogCli.ReadFile(oldPath));
                what = $"the log of size {consistency.To} extends the log of size {consistency.From}";
                break;
            default:
                throw new LogVerbException(ExitCodes.InvalidInput, $"{proofPath}: not a proof bundle");
        }
        if (result.Failure != ProofFailure.None)
        {
            stderr.WriteLine($"radseal: {proofPath}: proof does not verify ({result.Failure}): {result.Message}");
            return ExitCodes.CheckFailed;
        }
        stdout.WriteLine($"valid: {what} '{result.Checkpoint!.Origin}' at size {result.Checkpoint.Size}, root {result.Checkpoint.Root}");
        return ExitCodes.Ok;
    }
}
