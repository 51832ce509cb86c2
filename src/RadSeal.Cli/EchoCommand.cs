using System.CommandLine;
using System.Diagnostics;
using RadSeal.Dicom.Networking;

namespace RadSeal.Cli;

/// <summary>`radseal echo AET@HOST:PORT`: a C-ECHO (DICOM verification) to a peer.</summary>
internal static class EchoCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var peer = new Argument<string>("peer") { Description = "The peer as AET@HOST:PORT (dicom:// in front is allowed)" };
        var calling = CallingOption();
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var command = new Command("echo", "Send a C-ECHO to a DICOM peer (is it there, and does it accept RadSeal's association?)") { peer, calling, json };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(peer)!, result.GetValue(calling)!, result.GetValue(json), stdout, stderr, cancellationToken));
        return command;
    }

    internal static Option<string> CallingOption() => new("--calling")
    {
        Description = "This side's AE title (calling AE)",
        DefaultValueFactory = _ => "RADSEAL",
    };

    private static async Task<int> RunAsync(string peerText, string calling, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!TryParsePeer(peerText, calling, out var peer, out var error))
        {
            stderr.WriteLine($"radseal: usage: {error}");
            return ExitCodes.Usage;
        }
        var clock = Stopwatch.StartNew();
        try
        {
            var status = await new DicomClient().EchoAsync(peer, cancellationToken).ConfigureAwait(false);
            if (json)
            {
                Json.Write(stdout, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("peer", peerText);
                    w.WriteNumber("status", status.Code);
                    w.WriteNumber("milliseconds", clock.ElapsedMilliseconds);
                    w.WriteEndObject();
                });
            }
            else
            {
                stdout.WriteLine($"{peer.CalledAe}@{peer.Host}:{peer.Port}: C-ECHO status {status} in {clock.ElapsedMilliseconds} ms");
            }
            return status.IsSuccess ? ExitCodes.Ok : ExitCodes.PeerFailed;
        }
        catch (DicomNetworkException ex)
        {
            stderr.WriteLine($"radseal: echo: {ex.Message}");
            return ExitCodes.PeerFailed;
        }
    }

    /// <summary>Parses AET@HOST:PORT (optionally dicom://AET@HOST:PORT); an IPv6 host goes in brackets.</summary>
    internal static bool TryParsePeer(string text, string calling, out DicomPeer peer, out string error)
    {
        peer = null!;
        var rest = text.StartsWith("dicom://", StringComparison.OrdinalIgnoreCase) ? text[8..] : text;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        var colon = rest.LastIndexOf(':');
        if (at <= 0 || colon <= at + 1 || !int.TryParse(rest.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"'{text}' is not AET@HOST:PORT (e.g. PACS@127.0.0.1:104).";
            return false;
        }
        var called = rest[..at];
        if (called.Length > 16 || calling.Length is 0 or > 16)
        {
            error = "AE titles are 1 to 16 characters.";
            return false;
        }
        var host = rest[(at + 1)..colon].Trim('[', ']');
        peer = new DicomPeer(host, port, called, calling);
        error = "";
        return true;
    }
}
