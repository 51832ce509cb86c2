using System.CommandLine;
using System.Text.Json;
using RadSeal.Dicom;

namespace RadSeal.Cli;

/// <summary>`radseal dump FILE...`: a dcmdump-style listing, or the PS3.18 JSON model with --json.</summary>
internal static class DumpCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var files = new Argument<string[]>("files") { Description = "DICOM files to list", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Emit the DICOM JSON model (PS3.18 Annex F): an object for one file, an array for several" };
        var full = new Option<bool>("--full") { Description = "Show whole values instead of the first 64 characters" };
        var command = new Command("dump", "List the elements of DICOM files (header only: pixel data is not loaded)") { files, json, full };
        command.SetAction(result => Run(result.GetValue(files)!, result.GetValue(json), result.GetValue(full), stdout, stderr));
        return command;
    }

    private static int Run(string[] files, bool json, bool full, TextWriter stdout, TextWriter stderr)
    {
        var exit = ExitCodes.Ok;
        // JSON is built in a buffer and handed to stdout after each file, so a failing file leaves valid output so far.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using var jsonWriter = json ? new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }) : null;
        if (jsonWriter is not null && files.Length > 1)
        {
            jsonWriter.WriteStartArray();
        }
        foreach (var path in files)
        {
            try
            {
                var file = DicomFile.Open(path);
                if (jsonWriter is not null)
                {
                    DicomJson.Write(jsonWriter, file.DataSet, new DicomJsonOptions { BulkDataUri = new Uri(Path.GetFullPath(path)).AbsoluteUri });
                    Drain(jsonWriter, buffer, stdout);
                }
                else
                {
                    if (files.Length > 1)
                    {
                        stdout.WriteLine($"# {path}");
                    }
                    DicomDump.Write(stdout, file, full ? int.MaxValue : 64);
                }
            }
            catch (Exception ex) when (ex is DicomFormatException or IOException or UnauthorizedAccessException)
            {
                exit = Failures.Worst(exit, Failures.Report(stderr, path, ex));
            }
        }
        if (jsonWriter is not null)
        {
            if (files.Length > 1)
            {
                jsonWriter.WriteEndArray();
            }
            Drain(jsonWriter, buffer, stdout);
            stdout.WriteLine();
        }
        stdout.Flush();
        return exit;
    }

    private static void Drain(Utf8JsonWriter writer, System.Buffers.ArrayBufferWriter<byte> buffer, TextWriter stdout)
    {
        writer.Flush();
        stdout.Write(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        buffer.ResetWrittenCount();
    }
}
