using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using RadSeal.Dicom;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// DCMTK's storescp as the PACS instead of Orthanc: the gate forwards by C-STORE to a storescp this test starts on a
/// free loopback port; only the validly signed image arrives as a file in storescp's folder (and still verifies with
/// dcmsign there), the unsigned and tampered ones are in quarantine.
/// </summary>
public sealed class StorescpTests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task The_gate_forwards_only_verified_images_to_storescp_by_c_store()
    {
        var folder = fx.Dir.File("storescp-in");
        Directory.CreateDirectory(folder);
        var port = Orthanc.FreePort();
        using var storescp = StartStorescp(folder, port);
        try
        {
            await WaitForListenerAsync(storescp, port);
            await using var gw = await fx.StartGatewayAsync("gate-storescp", o => o with { Forward = new Uri($"dicom://STORESCP@127.0.0.1:{port}") });
            var signed = fx.Image(GatewayFixture.Kind.Trusted);
            var unsigned = fx.Image(GatewayFixture.Kind.NoSignature);
            var tampered = fx.Image(GatewayFixture.Kind.Tampered);

            var (status, body) = fx.StowWithCurl(gw.DicomWeb, signed.Path, unsigned.Path, tampered.Path);
            Assert.True(status == 200, $"STOW-RS answered {status}: {body}");
            await gw.DrainAsync(quarantined: 2);

            var files = Directory.GetFiles(folder);
            var arrived = Assert.Single(files);
            Assert.Equal(signed.Uid, DicomFile.Open(arrived).DataSet.GetString(DicomTags.SOPInstanceUID));
            var dcmsign = Peers.Run("dcmsign", "--verify", "+rg", "+cf", fx.Trust, arrived);
            Assert.True(dcmsign.ExitCode == 0, dcmsign.Stdout + dcmsign.Stderr);
            var codes = gw.Service.ListQuarantine().ToDictionary(q => q.SopInstanceUid, q => q.Codes);
            Assert.Equal(["UNSIGNED"], codes[unsigned.Uid]);
            Assert.Contains("MAC_MISMATCH", codes[tampered.Uid]);
            Assert.Contains(File.ReadAllLines(Path.Combine(gw.Service.Root, "audit.log")),
                l => l.Contains("\"event\":\"forwarded\"", StringComparison.Ordinal) && l.Contains(signed.Uid, StringComparison.Ordinal) && l.Contains("dicom://STORESCP@", StringComparison.Ordinal));
        }
        finally
        {
            if (!storescp.HasExited)
            {
                storescp.Kill();
                await storescp.WaitForExitAsync();
            }
        }
    }

    private static Process StartStorescp(string folder, int port)
    {
        // -uf: files named after the SOP Instance UID; storescp accepts every storage SOP class by default.
        var psi = new ProcessStartInfo("storescp") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--aetitle", "STORESCP", "--output-directory", folder, "-uf", port.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }
        try
        {
            var p = Process.Start(psi)!;
            p.OutputDataReceived += (_, _) => { };
            p.ErrorDataReceived += (_, _) => { };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            return p;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("storescp is not installed: install Debian's 'dcmtk' package (scripts/test.sh does)", ex);
        }
    }

    private static async Task WaitForListenerAsync(Process storescp, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            Assert.False(storescp.HasExited, $"storescp exited at start (code {(storescp.HasExited ? storescp.ExitCode : 0)})");
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
