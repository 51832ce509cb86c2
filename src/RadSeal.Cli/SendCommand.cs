using System.CommandLine;
using RadSeal.Dicom.Networking;

namespace RadSeal.Cli;

/// <summary>`radseal send AET@HOST:PORT FILE|DIR...`: C-STORE every file over one association.</summary>
internal static class SendCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var peer = new Argument<string>("peer") { Description = "The peer as AET@HOST:PORT (dicom:// in front is allowed)" };
        var inputs = new Argument<string[]>("inputs") { Description = "DICOM files, or folders whose files are all sent", Arity = ArgumentArity.OneOrMore };
        var calling = EchoCommand.CallingOption();
        var json = new Option<bool>("--json") { Description = "Print one result per file as JSON" };
        var command = new Command("send", "Send DICOM files to a peer with C-STORE (each in its own transfer syntax where the peer takes it)")
        {
            peer, inputs, calling, json,
        };
        command.SetAction((result, cancellationToken) =>
            RunAsync(result.GetValue(peer)!, result.GetValue(inputs)!, result.GetValue(calling)!, result.GetValue(json), stdout, stderr, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string peerText, string[] inputs, string calling, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!EchoCommand.TryParsePeer(peerText, calling, out var peer, out var error))
        {
            stderr.WriteLine($"radseal: usage: {error}");
            return ExitCodes.Usage;
        }
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                files.AddRange(Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            }
            else
            {
                files.Add(input);
            }
        }
        IReadOnlyList<StoreResult> results;
        try
        {
            results = await new DicomClient().StoreAsync(peer, files, cancellationToken).ConfigureAwait(false);
        }
        catch (DicomNetworkException ex)
        {
            stderr.WriteLine($"radseal: send: {ex.Message}");
            return ExitCodes.PeerFailed;
        }
        foreach (var r in results.Where(r => !r.Stored))
        {
            stderr.WriteLine($"radseal: {r.File}: {r.Error ?? $"refused by the peer, status {r.Status}"}");
        }
        var stored = results.Count(r => r.Stored);
        if (json)
        {
            Json.Write(stdout, w =>
            {
                w.WriteStartArray();
                foreach (var r in results)
                {
                    w.WriteStartObject();
                    w.WriteString("file", r.File);
                    w.WriteBoolean("stored", r.Stored);
                    w.WriteNumber("status", r.Status.Code);
                    if (r.Error is not null)
                    {
                        w.WriteString("error", r.Error);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
        }
        else
        {
            stdout.WriteLine($"{stored} of {results.Count} files stored by {peer.CalledAe}@{peer.Host}:{peer.Port}");
        }
        return stored == results.Count ? ExitCodes.Ok : ExitCodes.PeerFailed;
    }
}
