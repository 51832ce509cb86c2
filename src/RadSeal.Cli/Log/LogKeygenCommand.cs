using System.CommandLine;
using RadSeal.Ledger.Checkpoints;

namespace RadSeal.Cli.Log;

/// <summary>`radseal log keygen --name NAME --out FILE [--witness]`: a new Ed25519 signer key; prints its verifier key.</summary>
internal static class LogKeygenCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var name = new Option<string>("--name") { Description = "Key name, e.g. witness.example.org/w1 (no spaces or '+')", Required = true };
        var output = new Option<string>("--out") { Description = "File for the secret signer key (written with mode 0600)", Required = true };
        var witness = new Option<bool>("--witness") { Description = "A witness cosigning key (cosignature/v1, type 0x04) instead of a log key" };
        var command = new Command("keygen", "Make a signer key; print its verifier key") { name, output, witness };
        command.SetAction(result => LogCli.Run(stderr, () => Task.FromResult(Run(result.GetValue(name)!, result.GetValue(output)!, result.GetValue(witness), stdout))));
        return command;
    }

    private static int Run(string name, string output, bool witness, TextWriter stdout)
    {
        if (!NoteKeys.IsValidName(name))
        {
            throw new LogVerbException(ExitCodes.Usage, $"--name '{name}' must be non-empty without spaces or '+'");
        }
        if (File.Exists(output))
        {
            throw new LogVerbException(ExitCodes.IOError, $"{output}: exists; a key is never overwritten");
        }
        using var signer = NoteSigner.Generate(name, witness ? NoteKeyType.CosignatureV1 : NoteKeyType.Ed25519);
        LogCli.WriteAtomically(output, signer.Format() + "\n", secret: true);
        stdout.WriteLine(signer.Verifier.ToString());
        return ExitCodes.Ok;
    }
}
