using System.CommandLine;
using RadSeal.Dicom;

namespace RadSeal.Cli;

/// <summary>`radseal convert IN OUT --syntax explicit|implicit|deflated|big`: transcode between uncompressed syntaxes.</summary>
internal static class ConvertCommand
{
    private static readonly Dictionary<string, TransferSyntax> Syntaxes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["explicit"] = TransferSyntax.ExplicitVRLittleEndian,
        ["implicit"] = TransferSyntax.ImplicitVRLittleEndian,
        ["deflated"] = TransferSyntax.DeflatedExplicitVRLittleEndian,
        ["big"] = TransferSyntax.ExplicitVRBigEndian,
    };

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var input = new Argument<string>("input") { Description = "DICOM file to read" };
        var output = new Argument<string>("output") { Description = "File to write (written atomically: never half-written)" };
        var syntax = new Option<string>("--syntax")
        {
            Description = "Target transfer syntax: explicit (default), implicit, deflated or big (retired Explicit VR Big Endian)",
            DefaultValueFactory = _ => "explicit",
        };
        syntax.AcceptOnlyFromAmong([.. Syntaxes.Keys]);
        var command = new Command("convert", "Write a DICOM file in another uncompressed transfer syntax") { input, output, syntax };
        command.SetAction(result => Run(result.GetValue(input)!, result.GetValue(output)!, result.GetValue(syntax)!, stdout, stderr));
        return command;
    }

    private static int Run(string input, string output, string syntax, TextWriter stdout, TextWriter stderr)
    {
        DicomFile file;
        try
        {
            file = DicomFile.Open(input);
        }
        catch (Exception ex) when (ex is DicomFormatException or IOException or UnauthorizedAccessException)
        {
            return Failures.Report(stderr, input, ex);
        }
        try
        {
            file.Save(output, new WriteOptions { TransferSyntax = Syntaxes[syntax] });
        }
        catch (Exception ex) when (ex is DicomEncodingException or DicomFormatException or IOException or UnauthorizedAccessException)
        {
            return Failures.Report(stderr, output, ex);
        }
        stdout.WriteLine($"{input}: {file.TransferSyntax.Name} -> {output}: {Syntaxes[syntax].Name}");
        return ExitCodes.Ok;
    }
}
