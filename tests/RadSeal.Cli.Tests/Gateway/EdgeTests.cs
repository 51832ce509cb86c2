using RadSeal.Server.Gateway;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// The chain modality → edge → gate → Orthanc: an unsigned image uploaded (curl, STOW-RS) to a gateway in edge mode is
/// watermarked, signed with the device key and logged, the gate in front of Orthanc checks it (signature and watermark
/// required) and forwards it, and what Orthanc holds verifies with DCMTK's dcmsign and `radseal watermark verify`.
/// </summary>
public sealed class EdgeTests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Edge_marks_signs_and_logs_and_what_reaches_orthanc_through_the_gate_verifies_with_dcmsign()
    {
        await using var gate = await fx.StartGatewayAsync("chain-gate", o => o with
        {
            Forward = fx.Orthanc.DicomWeb,
            Policy = GatePolicy.Default with { Watermark = WatermarkRule.Require },
        });
        var (key, mark) = fx.EdgeKeys();
        using var keyScope = key;
        using var markScope = mark;
        await using var edge = await fx.StartGatewayAsync("chain-edge", o => o with
        {
            Mode = GatewayMode.Edge,
            Edge = new EdgeSigning(key, mark),
            Forward = gate.DicomWeb,
        });
        var before = (await fx.Orthanc.SopInstanceUidsAsync()).ToHashSet();
        var plain = fx.Image(GatewayFixture.Kind.NoSignature);

        var (status, body) = fx.StowWithCurl(edge.DicomWeb, plain.Path);
        Assert.True(status == 200, body);
        await edge.DrainAsync();
        await gate.DrainAsync();

        var arrived = Assert.Single(await fx.Orthanc.SopInstanceUidsAsync(), u => !before.Contains(u));
        Assert.NotEqual(plain.Uid, arrived); // marking makes a new instance
        Assert.Equal(0, gate.Service.CountIn("quarantine"));
        var file = fx.Dir.File("from-orthanc.dcm");
        File.WriteAllBytes(file, await fx.Orthanc.FileAsync(arrived));
        var dcmsign = Peers.Run("dcmsign", "--verify", "+rg", "+cf", fx.Trust, file);
        Assert.True(dcmsign.ExitCode == 0, dcmsign.Stdout + dcmsign.Stderr);
        GatewayFixture.Ok(GatewayFixture.Cli("watermark", "verify", file, "--trust", fx.Trust));
        GatewayFixture.Ok(GatewayFixture.Cli("verify", file, "--trust", fx.Trust));

        // Logged on both sides: the edge's "signed" and the gate's "accepted" each name a ledger entry.
        Assert.Contains(File.ReadAllLines(Path.Combine(edge.Service.Root, "audit.log")), l => l.Contains("\"event\":\"signed\"", StringComparison.Ordinal) && l.Contains("ledgerIndex", StringComparison.Ordinal) && l.Contains(arrived, StringComparison.Ordinal));
        Assert.Contains(File.ReadAllLines(Path.Combine(gate.Service.Root, "audit.log")), l => l.Contains("\"event\":\"accepted\"", StringComparison.Ordinal) && l.Contains(arrived, StringComparison.Ordinal));
    }
}
