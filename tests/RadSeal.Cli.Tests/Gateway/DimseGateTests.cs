using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RadSeal.Server.Gateway;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// DCMTK's echoscu and storescu as the modality, the gate's DICOM listener, C-STORE forwarding to Orthanc's DICOM port:
/// only the validly signed image arrives; the others are quarantined with their reasons.
/// </summary>
public sealed class DimseGateTests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Storescu_to_the_gate_to_orthanc_by_c_store_lets_only_verified_images_through()
    {
        await using var gw = await fx.StartGatewayAsync("dimse-gate", o => o with
        {
            DicomPort = 0,
            Forward = new Uri($"dicom://ORTHANC@127.0.0.1:{fx.Orthanc.DicomPort}"),
        });
        var port = gw.App.Services.GetRequiredService<DicomListener>().EndPoint!.Port.ToString(CultureInfo.InvariantCulture);
        var echo = Peers.Run("echoscu", "-aet", "MODALITY", "-aec", "RADSEAL", "127.0.0.1", port);
        Assert.True(echo.ExitCode == 0, echo.Stdout + echo.Stderr);

        var signed = fx.Image(GatewayFixture.Kind.Trusted);
        var unsigned = fx.Image(GatewayFixture.Kind.NoSignature);
        var tampered = fx.Image(GatewayFixture.Kind.Tampered);
        var untrusted = fx.Image(GatewayFixture.Kind.Untrusted);
        var before = (await fx.Orthanc.SopInstanceUidsAsync()).ToHashSet();
        var store = Peers.Run("storescu", "-aet", "MODALITY", "-aec", "RADSEAL", "127.0.0.1", port, signed.Path, unsigned.Path, tampered.Path, untrusted.Path);
        Assert.True(store.ExitCode == 0, store.Stdout + store.Stderr); // every C-STORE answered Success: all durable in the spool
        await gw.DrainAsync(quarantined: 3);

        Assert.Equal([signed.Uid], (await fx.Orthanc.SopInstanceUidsAsync()).Where(u => !before.Contains(u)));
        var codes = gw.Service.ListQuarantine().ToDictionary(q => q.SopInstanceUid, q => q.Codes);
        Assert.Equal(["UNSIGNED"], codes[unsigned.Uid]);
        Assert.Contains("MAC_MISMATCH", codes[tampered.Uid]);
        Assert.Contains("UNTRUSTED_SIGNER", codes[untrusted.Uid]);
        Assert.Contains(File.ReadAllLines(Path.Combine(gw.Service.Root, "audit.log")),
            l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString() == "forwarded" && l.Contains(signed.Uid, StringComparison.Ordinal) && l.Contains("dicom://ORTHANC@", StringComparison.Ordinal));
    }
}
