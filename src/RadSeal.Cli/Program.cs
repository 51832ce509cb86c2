using System.CommandLine;

namespace RadSeal.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        // Console.Out flushes on every write; a listing of 1,000 files would be tens of thousands of syscalls.
        using var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16);
        try
        {
            return Run(args, stdout, Console.Error);
        }
        finally
        {
            stdout.Flush();
        }
    }

    /// <summary>Runs the CLI in-process with the given writers (tests call this).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("RadSeal: provable authenticity for medical images.")
        {
            DumpCommand.Create(stdout, stderr),
            ConvertCommand.Create(stdout, stderr),
            PhantomCommand.Create(stdout, stderr),
            WatermarkCommand.Create(stdout, stderr),
            Log.LogCommand.Create(stdout, stderr),
            SignCommand.Create(stdout, stderr),
            VerifyCommand.Create(stdout, stderr),
            InspectCommand.Create(stdout, stderr),
            SignaturesCommand.Create(stdout, stderr),
            CaCommand.Create(stdout, stderr),
            DeviceCommand.Create(stdout, stderr),
            ServeCommand.Create(stdout, stderr),
            QuarantineCommand.Create(stdout, stderr),
            EchoCommand.Create(stdout, stderr),
            SendCommand.Create(stdout, stderr),
            EvalCommand.Create(stdout, stderr),
            TrainDetectorCommand.Create(stdout, stderr),
        };
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
            {
                stderr.WriteLine($"radseal: usage: {error.Message}");
            }
            stderr.WriteLine("Run 'radseal --help' for the verbs and their options.");
            return ExitCodes.Usage;
        }
        return result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }
}
