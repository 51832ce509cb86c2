using System.Diagnostics;
using RadSeal.Server.Gateway;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// Edge mode with the device key inside a PKCS#11 token (SoftHSM2): `radseal serve --mode edge --pkcs11 …` marks and
/// signs with a key that never leaves the token, and what reaches Orthanc through the gate verifies with dcmsign and
/// `radseal watermark verify`. SoftHSM reads SOFTHSM2_CONF from the native environment, so the edge is a child process.
/// </summary>
public sealed class EdgePkcs11Tests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    private const string Module = "/usr/lib/softhsm/libsofthsm2.so";

    [Fact]
    public async Task Edge_with_a_token_key_marks_and_signs_and_the_gate_lets_it_through()
    {
        Assert.True(File.Exists(Module), "SoftHSM2 is missing: install the Debian package softhsm2");
        var tokens = fx.Dir.File("edge-tokens");
        Directory.CreateDirectory(tokens);
        var conf = fx.Dir.File("edge-softhsm2.conf");
        File.WriteAllText(conf, $"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n");
        var env = new Dictionary<string, string> { ["SOFTHSM2_CONF"] = conf, ["EDGE_PIN"] = "5678", [fx.PasswordEnv] = GatewayFixture.Password };
        Run("softhsm2-util", env, "--init-token", "--free", "--label", "edge-token", "--so-pin", "1234", "--pin", "5678");
        Run(Radseal(), env, "device", "enroll", "--ca", fx.Dir.File("ca"), "--ca-password", "env:" + fx.PasswordEnv, "--serial", "SAMPLE-0001",
            "--manufacturer", "RadSeal", "--model", "HSM edge", "--out", fx.Dir.File("edge-hsm"), "--pkcs11", Module, "--token", "edge-token",
            "--key-label", "edge1", "--pin", "env:EDGE_PIN");
        Assert.False(File.Exists(fx.Dir.File("edge-hsm") + ".key"), "a token key must not be written to a file");

        await using var gate = await fx.StartGatewayAsync("pkcs11-gate", o => o with
        {
            Forward = fx.Orthanc.DicomWeb,
            Policy = GatePolicy.Default with { Watermark = WatermarkRule.Require },
        });
        using var edge = await ServerProcess.StartAsync(
            ["serve", "--mode", "edge", "--db", fx.Dir.File("edge-pkcs11.db"), "--urls", "http://127.0.0.1:0", "--dicom-port", "0", "--no-demo",
             "--pkcs11", Module, "--token", "edge-token", "--key-label", "edge1", "--pin", "env:EDGE_PIN", "--forward", gate.DicomWeb.ToString()],
            "gateway edge", env);
        var before = (await fx.Orthanc.SopInstanceUidsAsync()).ToHashSet();
        var plain = fx.Image(GatewayFixture.Kind.NoSignature);
        var (status, body) = fx.StowWithCurl(new Uri(edge.Url.TrimEnd('/') + "/dicom-web"), plain.Path);
        Assert.True(status == 200, body);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? arrived = null;
        while (arrived is null && DateTime.UtcNow < deadline)
        {
            await gate.DrainAsync();
            arrived = (await fx.Orthanc.SopInstanceUidsAsync()).FirstOrDefault(u => !before.Contains(u));
            if (arrived is null)
            {
                await Task.Delay(200);
            }
        }
        Assert.True(arrived is not null, "nothing reached Orthanc from the PKCS#11 edge within 60 s");
        Assert.Equal(0, gate.Service.CountIn("quarantine"));
        var file = fx.Dir.File("from-orthanc-pkcs11.dcm");
        File.WriteAllBytes(file, await fx.Orthanc.FileAsync(arrived!));
        var dcmsign = Peers.Run("dcmsign", "--verify", "+rg", "+cf", fx.Trust, file);
        Assert.True(dcmsign.ExitCode == 0, dcmsign.Stdout + dcmsign.Stderr);
        // The mark names the token's certificate; the gate found it in the DICOM header, and so does the CLI.
        GatewayFixture.Ok(GatewayFixture.Cli("watermark", "verify", file, "--trust", fx.Trust));
        GatewayFixture.Ok(GatewayFixture.Cli("verify", file, "--trust", fx.Trust));
    }

    private static string Radseal() => Path.Combine(AppContext.BaseDirectory, "radseal");

    private static void Run(string program, Dictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), $"{program} did not finish within 60 s");
        Assert.True(p.ExitCode == 0, $"{program} {string.Join(' ', args)} exited {p.ExitCode}: {stdout.Result}{stderr}");
    }
}
