using System.CommandLine;

namespace RadSeal.Cli.Log;

/// <summary>`radseal log …`: the transparency ledger's verbs, one file each.</summary>
internal static class LogCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr) =>
        new("log", "The transparency ledger: serve it, append to it, prove, verify, witness and audit it")
        {
            LogServeCommand.Create(stdout, stderr),
            LogAppendCommand.Create(stdout, stderr),
            LogCheckpointCommand.Create(stdout, stderr),
            LogProveCommand.Create(stdout, stderr),
            LogVerifyProofCommand.Create(stdout, stderr),
            LogWitnessCommand.Create(stdout, stderr),
            LogAuditCommand.Create(stdout, stderr),
            LogKeygenCommand.Create(stdout, stderr),
        };
}
