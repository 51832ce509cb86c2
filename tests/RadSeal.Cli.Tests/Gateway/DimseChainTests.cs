using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using RadSeal.Server.Gateway;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// The chain over DIMSE end to end: DCMTK's storescu (one image) and dcmsend (a second set) send unsigned images by
/// C-STORE to an edge gateway's DICOM listener, which marks, signs and logs them and forwards by C-STORE to the gate's
/// DICOM listener, which checks them (signature and watermark required) and forwards by C-STORE to Orthanc's DICOM port.
/// What Orthanc holds verifies with dcmsign, `radseal verify` and `radseal watermark verify`.
/// </summary>
public sealed class DimseChainTests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Storescu_and_dcmsend_to_edge_to_gate_to_orthanc_all_by_c_store_arrive_signed_marked_and_logged()
    {
        await using var gate = await fx.StartGatewayAsync("dimse-chain-gate", o => o with
        {
            DicomPort = 0,
            Forward = new Uri($"dicom://ORTHANC@127.0.0.1:{fx.Orthanc.DicomPort}"),
            Policy = GatePolicy.Default with { Watermark = WatermarkRule.Require },
        });
        var gatePort = gate.App.Services.GetRequiredService<DicomListener>().EndPoint!.Port;
        var (key, mark) = fx.EdgeKeys();
        using var keyScope = key;
        using var markScope = mark;
        await using var edge = await fx.StartGatewayAsync("dimse-chain-edge", o => o with
        {
            Mode = GatewayMode.Edge,
            Edge = new EdgeSigning(key, mark),
            DicomPort = 0,
            Forward = new Uri($"dicom://RADSEAL@127.0.0.1:{gatePort}"),
        });
        var edgePort = edge.App.Services.GetRequiredService<DicomListener>().EndPoint!.Port.ToString(CultureInfo.InvariantCulture);
        var before = (await fx.Orthanc.SopInstanceUidsAsync()).ToHashSet();
        var first = fx.Image(GatewayFixture.Kind.NoSignature);
        var second = Enumerable.Range(0, 2).Select(_ => fx.Image(GatewayFixture.Kind.NoSignature)).ToArray();

        var storescu = Peers.Run("storescu", "-aet", "MODALITY", "-aec", "RADSEAL", "127.0.0.1", edgePort, first.Path);
        Assert.True(storescu.ExitCode == 0, storescu.Stdout + storescu.Stderr);
        var dcmsend = Peers.Run("dcmsend", ["-aet", "MODALITY2", "-aec", "RADSEAL", "127.0.0.1", edgePort, .. second.Select(s => s.Path)]);
        Assert.True(dcmsend.ExitCode == 0, dcmsend.Stdout + dcmsend.Stderr);
        await edge.DrainAsync();
        await gate.DrainAsync();

        var arrived = (await fx.Orthanc.SopInstanceUidsAsync()).Where(u => !before.Contains(u)).ToArray();
        Assert.Equal(3, arrived.Length);
        Assert.Empty(arrived.Intersect(second.Select(s => s.Uid).Append(first.Uid))); // marking makes new instances
        Assert.Equal(0, gate.Service.CountIn("quarantine"));
        var edgeAudit = File.ReadAllLines(Path.Combine(edge.Service.Root, "audit.log"));
        var gateAudit = File.ReadAllLines(Path.Combine(gate.Service.Root, "audit.log"));
        foreach (var uid in arrived)
        {
            var file = fx.Dir.File($"chain-{uid}.dcm");
            File.WriteAllBytes(file, await fx.Orthanc.FileAsync(uid));
            var dcmsign = Peers.Run("dcmsign", "--verify", "+rg", "+cf", fx.Trust, file);
            Assert.True(dcmsign.ExitCode == 0, dcmsign.Stdout + dcmsign.Stderr);
            GatewayFixture.Ok(GatewayFixture.Cli("watermark", "verify", file, "--trust", fx.Trust));
            GatewayFixture.Ok(GatewayFixture.Cli("verify", file, "--trust", fx.Trust));
            Assert.Contains(edgeAudit, l => l.Contains("\"event\":\"signed\"", StringComparison.Ordinal) && l.Contains("ledgerIndex", StringComparison.Ordinal) && l.Contains(uid, StringComparison.Ordinal));
            Assert.Contains(gateAudit, l => l.Contains("\"event\":\"accepted\"", StringComparison.Ordinal) && l.Contains("ledgerIndex", StringComparison.Ordinal) && l.Contains(uid, StringComparison.Ordinal));
            Assert.Contains(gateAudit, l => l.Contains("\"event\":\"forwarded\"", StringComparison.Ordinal) && l.Contains(uid, StringComparison.Ordinal) && l.Contains("dicom://ORTHANC@", StringComparison.Ordinal));
        }
    }
}
