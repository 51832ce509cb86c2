using RadSeal.Dicom;

namespace RadSeal.Cli;

/// <summary>Maps a failure on one input to its one-line message and exit code.</summary>
internal static class Failures
{
    public static int Report(TextWriter stderr, string path, Exception ex)
    {
        var (code, message) = ex switch
        {
            DicomFormatException f => (ExitCodes.InvalidInput, "not valid DICOM: " + f.Message),
            DicomEncodingException e => (ExitCodes.Unsupported, e.Message),
            FileNotFoundException => (ExitCodes.IOError, "no such file"),
            DirectoryNotFoundException => (ExitCodes.IOError, "no such directory"),
            UnauthorizedAccessException => (ExitCodes.IOError, "permission denied"),
            IOException io => (ExitCodes.IOError, io.Message),
            _ => throw new InvalidOperationException($"Unexpected failure on '{path}'", ex),
        };
        stderr.WriteLine($"radseal: {path}: {message}");
        return code;
    }

    /// <summary>The worst of two exit codes: usage and I/O problems outrank invalid input.</summary>
    public static int Worst(int a, int b) => Math.Max(a, b);
}
