using System.Text.Json;
using RadSeal.Dicom.Tests.Networking;

namespace RadSeal.Cli.Tests;

/// <summary>`radseal echo` and `radseal send` against DCMTK's storescp on loopback.</summary>
public sealed class NetworkCliTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = Program.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string TestFile(string name) => Path.Combine(Peers.PydicomTestFiles, name);

    [Fact]
    public async Task Echo_and_send_reach_storescp()
    {
        using var storescp = StoreScp.Start(out var port, out _);
        var echo = Run("echo", $"STORESCP@127.0.0.1:{port}");
        Assert.True(echo.Exit == 0, echo.Err);
        Assert.Contains("C-ECHO status 0x0000 (Success)", echo.Out, StringComparison.Ordinal);

        var send = Run("send", $"dicom://STORESCP@127.0.0.1:{port}", TestFile("CT_small.dcm"), TestFile("MR_small_RLE.dcm"), "--json");
        Assert.True(send.Exit == 0, send.Err);
        using var doc = JsonDocument.Parse(send.Out);
        Assert.Equal(2, doc.RootElement.GetArrayLength());
        Assert.All(doc.RootElement.EnumerateArray(), r => Assert.True(r.GetProperty("stored").GetBoolean()));
        Assert.Equal(2, (await storescp.WaitForFilesAsync(2)).Count);
    }

    [Fact]
    public void A_file_that_cannot_be_sent_gives_exit_10_and_one_line()
    {
        using var storescp = StoreScp.Start(out var port, out _);
        var missing = Path.Combine(Path.GetTempPath(), $"radseal-missing-{Guid.NewGuid():N}.dcm");
        var send = Run("send", $"STORESCP@127.0.0.1:{port}", TestFile("CT_small.dcm"), missing);
        Assert.Equal(10, send.Exit);
        Assert.Contains("1 of 2 files stored", send.Out, StringComparison.Ordinal);
        Assert.Single(send.Err.Trim().Split('\n'));
        Assert.Contains(missing, send.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_peer_and_a_bad_address_are_reported()
    {
        var port = StoreScp.FreePort();
        var echo = Run("echo", $"NOBODY@127.0.0.1:{port}");
        Assert.Equal(10, echo.Exit);
        Assert.StartsWith("radseal: echo: Could not connect", echo.Err, StringComparison.Ordinal);
        var bad = Run("echo", "127.0.0.1:104");
        Assert.Equal(2, bad.Exit);
        Assert.Contains("AET@HOST:PORT", bad.Err, StringComparison.Ordinal);
    }
}
