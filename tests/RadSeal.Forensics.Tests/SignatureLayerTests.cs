using RadSeal.Dicom;
using RadSeal.Imaging;

namespace RadSeal.Forensics.Tests;

/// <summary>The RadSeal proof layer on DICOM digital signatures made by `radseal ca/device/sign` and checked by dcmsign.</summary>
public sealed class SignatureLayerTests : IDisposable
{
    private readonly string dir = Support.TempDir();
    private readonly string passwordEnv = "RADSEAL_INSPECT_PW_" + Guid.NewGuid().ToString("N");

    public SignatureLayerTests() => Environment.SetEnvironmentVariable(passwordEnv, "inspect test password");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(passwordEnv, null);
        Directory.Delete(dir, recursive: true);
    }

    private string Ca(string name)
    {
        var ca = Path.Combine(dir, name);
        Ok(Support.Cli("ca", "init", ca, "--name", name, "--password", "env:" + passwordEnv));
        return ca;
    }

    private static void Ok((int Code, string Stdout, string Stderr) r) => Assert.True(r.Code == 0, $"exit {r.Code}: {r.Stderr}{r.Stdout}");

    [Fact]
    public void A_valid_signature_proves_a_dicom_file_and_a_changed_pixel_is_tampered()
    {
        var ca = Ca("ca");
        var other = Ca("other");
        var device = Path.Combine(dir, "device");
        Ok(Support.Cli("device", "enroll", "--ca", ca, "--ca-password", "env:" + passwordEnv, "--serial", "SAMPLE-0001",
            "--manufacturer", "RadSeal", "--model", "Synthetic sample", "--out", device, "--key-password", "env:" + passwordEnv));
        var sample = Path.Combine(Support.RepoRoot(), "samples", "sample-dx.dcm");
        var signed = Path.Combine(dir, "signed.dcm");
        Ok(Support.Cli("sign", sample, signed, "--key", device + ".key", "--cert", device + ".pem", "--password", "env:" + passwordEnv));

        var file = DicomFile.Open(signed);
        var image = DicomPixels.Read(file);
        image.Samples[image.Width * 10 + 10] ^= 1;
        var changed = Path.Combine(dir, "changed.dcm");
        DicomPixels.WithPixels(file, image).Save(changed);
        Assert.NotEqual(0, Peers.Run("dcmsign", "--verify", changed).ExitCode); // the peer agrees the signature broke

        var trust = Path.Combine(ca, "trust.pem");
        var reports = Support.InspectJson(signed, changed, sample, "--trust", trust);
        Assert.Equal("authentic", reports[0].Verdict);
        Assert.Contains(reports[0].Findings, f => f.Code == "SIGNATURE_VALID" && f.Message.Contains("SAMPLE-0001", StringComparison.Ordinal));
        Assert.Equal("tampered", reports[1].Verdict);
        Assert.Contains(reports[1].Findings, f => f.Code == "SIGNATURE_BROKEN" && f.Severity == "failure");
        Assert.Contains(reports[2].Findings, f => f.Code == "SIGNATURE_ABSENT");
        Assert.NotEqual("authentic", reports[2].Verdict);

        var untrusted = Assert.Single(Support.InspectJson(signed, "--trust", Path.Combine(other, "trust.pem")));
        Assert.Equal("suspicious", untrusted.Verdict);
        Assert.Contains(untrusted.Findings, f => f.Code == "SIGNATURE_UNTRUSTED");

        var unconfigured = Assert.Single(Support.InspectJson(signed));
        Assert.Contains(unconfigured.Findings, f => f.Code == "SIGNATURE_NOT_CHECKED");
        Assert.NotEqual("authentic", unconfigured.Verdict);
    }
}
