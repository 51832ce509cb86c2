using System.Diagnostics;
using System.Text.Json;
using RadSeal.Dicom;

namespace RadSeal.Cli.Tests;

/// <summary>
/// The signature verbs end to end: a CA and a device made with `radseal ca init` / `radseal device enroll`, files
/// signed with `radseal sign` and checked by dcmsign, folders verified with `radseal verify`, revocation via CRL.
/// </summary>
public sealed class SignatureCliTests : IDisposable
{
    private readonly TempDir dir = new();
    private readonly string passwordEnv = "RADSEAL_TEST_PW_" + Guid.NewGuid().ToString("N");
    private const string Password = "correct horse battery staple";

    public SignatureCliTests()
    {
        Environment.SetEnvironmentVariable(passwordEnv, Password);
        Ok(Run("ca", "init", Ca, "--name", "Test Hospital Device CA", "--password", "env:" + passwordEnv));
        Ok(Run("device", "enroll", "--ca", Ca, "--ca-password", "env:" + passwordEnv, "--serial", "SAMPLE-0001",
            "--manufacturer", "RadSeal", "--model", "Synthetic sample", "--out", Device, "--key-password", "env:" + passwordEnv));
    }

    private string Ca => dir.File("ca");
    private string Device => dir.File("device");
    private string Trust => Path.Combine(Ca, "trust.pem");
    private static string Sample => Path.Combine(RepoRoot.Path, "samples", "sample-dx.dcm");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(passwordEnv, null);
        dir.Dispose();
    }

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = Program.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static void Ok((int Exit, string Out, string Err) r) => Assert.True(r.Exit == 0, $"exit {r.Exit}: {r.Err}{r.Out}");

    private string SignSample(string name, params string[] extra)
    {
        var output = dir.File(name);
        Ok(Run(["sign", Sample, output, "--key", Device + ".key", "--cert", Device + ".pem", "--password", "env:" + passwordEnv, .. extra]));
        return output;
    }

    [Fact]
    public void Enrolled_device_signs_and_dcmsign_verifies_against_the_trust_store()
    {
        var signed = SignSample("signed.dcm");
        var dcmsign = Peers.Run("dcmsign", "--verify", "+rg", "+cf", Trust, signed);
        Assert.True(dcmsign.ExitCode == 0, dcmsign.Stdout + dcmsign.Stderr);
        Assert.Contains("BEGIN ENCRYPTED PRIVATE KEY", File.ReadAllText(Device + ".key"), StringComparison.Ordinal);

        var (exit, output, err) = Run("verify", signed, "--trust", Trust, "--crl", Path.Combine(Ca, "crl.pem"));
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal("", err);
        Assert.Contains("PASS", output, StringComparison.Ordinal);
        Assert.Contains("1 file: 1 passed, 0 failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Dcmsign_reads_our_encrypted_device_key_and_we_verify_its_signature()
    {
        var output = dir.File("by-dcmsign.dcm");
        Peers.Run("dcmsign", "--sign", Device + ".key", Device + ".pem", "--use-passwd", Password, "+m2", Sample, output).EnsureSuccess("dcmsign --sign");
        Ok(Run("verify", output, "--trust", Trust));
    }

    [Fact]
    public void Folder_verification_reports_each_file_and_fails_if_any_fails()
    {
        var folder = dir.File("folder");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        File.Copy(SignSample("a.dcm"), Path.Combine(folder, "good.dcm"));
        File.Copy(Sample, Path.Combine(folder, "sub", "unsigned.dcm"));
        var tampered = DicomFile.Open(SignSample("b.dcm"));
        tampered.DataSet.SetString(DicomTags.PatientID, DicomVR.LO, "MALLORY");
        tampered.Save(Path.Combine(folder, "tampered.dcm"));
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not DICOM");

        var (exit, output, err) = Run("verify", folder, "--trust", Trust, "--jobs", "2");
        Assert.Equal(ExitCodes.VerificationFailed, exit);
        Assert.Contains("4 files: 1 passed, 3 failed", output, StringComparison.Ordinal);
        Assert.Contains("MAC_MISMATCH", output, StringComparison.Ordinal);
        Assert.Contains("UNSIGNED", output, StringComparison.Ordinal);
        Assert.Contains("UNREADABLE_FILE", output, StringComparison.Ordinal);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var json = Run("verify", folder, "--trust", Trust, "--json");
        Assert.Equal(ExitCodes.VerificationFailed, json.Exit);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(4, doc.RootElement.GetProperty("summary").GetProperty("files").GetInt32());
        var good = doc.RootElement.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("path").GetString()!.EndsWith("good.dcm", StringComparison.Ordinal));
        Assert.True(good.GetProperty("passed").GetBoolean());
        Assert.Equal("SAMPLE-0001", good.GetProperty("signatures")[0].GetProperty("deviceSerialNumber").GetString());
    }

    [Fact]
    public void Revoked_device_fails_verification_with_the_new_crl()
    {
        var signed = SignSample("signed.dcm");
        Ok(Run("ca", "revoke", Ca, "--cert", Device + ".pem", "--password", "env:" + passwordEnv));
        var (exit, output, _) = Run("verify", signed, "--trust", Trust, "--crl", Path.Combine(Ca, "crl.pem"), "--json");
        Assert.Equal(ExitCodes.VerificationFailed, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("CERT_REVOKED", doc.RootElement.GetProperty("files")[0].GetProperty("codes")[0].GetString());
        // openssl reads the CRL we published and finds the entry.
        var crlText = Peers.Run("openssl", "crl", "-in", Path.Combine(Ca, "crl.pem"), "-noout", "-text").EnsureSuccess("openssl crl").Stdout;
        Assert.Contains("Revoked Certificates:", crlText, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_file_can_require_a_time_stamp()
    {
        var signed = SignSample("signed.dcm", "--mac", "SHA384", "--purpose", "1");
        var policy = dir.File("policy.json");
        File.WriteAllText(policy, """{ "requireTimestamp": true, "requiredElements": ["PatientID", "0008,0018"] }""");
        var (exit, output, _) = Run("verify", signed, "--trust", Trust, "--policy", policy);
        Assert.Equal(ExitCodes.VerificationFailed, exit);
        Assert.Contains("TIMESTAMP_MISSING", output, StringComparison.Ordinal);
        File.WriteAllText(policy, """{ "requireTimestep": true }""");
        var bad = Run("verify", signed, "--trust", Trust, "--policy", policy);
        Assert.Equal(ExitCodes.InvalidInput, bad.Exit);
        Assert.Contains("policy", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Signatures_lists_signer_tags_algorithm_and_time()
    {
        var signed = SignSample("signed.dcm", "--tag", "PatientID", "--tag", "PixelData", "--tag", "DeviceSerialNumber", "--purpose", "14");
        var (exit, output, _) = Run("signatures", signed);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("Main Dataset", output, StringComparison.Ordinal);
        Assert.Contains("SHA256", output, StringComparison.Ordinal);
        Assert.Contains("SAMPLE-0001", output, StringComparison.Ordinal);
        Assert.Contains("3: PatientID DeviceSerialNumber PixelData", output, StringComparison.Ordinal);
        Assert.Contains("Source Signature", output, StringComparison.Ordinal);
        Assert.Contains("integrity      Valid", output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(Run("signatures", signed, "--json").Out);
        Assert.Equal("Valid", doc.RootElement.GetProperty("signatures")[0].GetProperty("integrity").GetString());
    }

    [Fact]
    public void Sign_errors_are_one_line_and_leave_no_output()
    {
        var output = dir.File("never.dcm");
        var missingPassword = Run("sign", Sample, output, "--key", Device + ".key", "--cert", Device + ".pem");
        Assert.Equal(ExitCodes.SigningFailed, missingPassword.Exit);
        Assert.Contains("encrypted", missingPassword.Err, StringComparison.Ordinal);
        Environment.SetEnvironmentVariable(passwordEnv + "_WRONG", "wrong");
        var wrong = Run("sign", Sample, output, "--key", Device + ".key", "--cert", Device + ".pem", "--password", "env:" + passwordEnv + "_WRONG");
        Assert.Equal(ExitCodes.SigningFailed, wrong.Exit);
        var literal = Run("sign", Sample, output, "--key", Device + ".key", "--cert", Device + ".pem", "--password", Password);
        Assert.Equal(ExitCodes.Usage, literal.Exit);
        var badTag = Run("sign", Sample, output, "--key", Device + ".key", "--cert", Device + ".pem", "--password", "env:" + passwordEnv, "--tag", "NoSuchThing");
        Assert.Equal(ExitCodes.Usage, badTag.Exit);
        var absent = Run("sign", Sample, output, "--key", Device + ".key", "--cert", Device + ".pem", "--password", "env:" + passwordEnv, "--tag", "AcquisitionDateTime");
        Assert.Equal(ExitCodes.SigningFailed, absent.Exit);
        foreach (var r in new[] { missingPassword, wrong, literal, badTag, absent })
        {
            Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(dir.Path, ".never*"));
    }

    [Fact]
    public void Verify_without_trust_is_a_usage_error_and_empty_folder_is_not_a_pass()
    {
        Assert.Equal(ExitCodes.Usage, Run("verify", Sample).Exit);
        Directory.CreateDirectory(dir.File("empty"));
        Assert.Equal(ExitCodes.VerificationFailed, Run("verify", dir.File("empty"), "--trust", Trust).Exit);
    }

    [Fact]
    public void Key_generated_in_SoftHSM2_signs_and_never_leaves_the_token()
    {
        const string module = "/usr/lib/softhsm/libsofthsm2.so";
        Assert.True(File.Exists(module), "SoftHSM2 is missing: install the Debian package softhsm2");
        var tokens = dir.File("tokens");
        Directory.CreateDirectory(tokens);
        var conf = dir.File("softhsm2.conf");
        File.WriteAllText(conf, $"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n");
        var env = new Dictionary<string, string> { ["SOFTHSM2_CONF"] = conf, ["RS_PIN"] = "5678", [passwordEnv] = Password };
        RunProcess("softhsm2-util", env, "--init-token", "--free", "--label", "radseal-test", "--so-pin", "1234", "--pin", "5678");

        // SoftHSM reads SOFTHSM2_CONF from the native environment, so the token verbs run in a child radseal process.
        var radseal = Path.Combine(AppContext.BaseDirectory, "radseal.dll");
        RunProcess("dotnet", env, radseal, "device", "enroll", "--ca", Ca, "--ca-password", "env:" + passwordEnv, "--serial", "SAMPLE-0001",
            "--manufacturer", "RadSeal", "--model", "HSM", "--out", dir.File("hsm"), "--pkcs11", module, "--token", "radseal-test",
            "--key-label", "dev1", "--pin", "env:RS_PIN");
        Assert.False(File.Exists(dir.File("hsm.key")), "a token key must not be written to a file");
        var signed = dir.File("hsm-signed.dcm");
        RunProcess("dotnet", env, radseal, "sign", Sample, signed, "--pkcs11", module, "--token", "radseal-test", "--key-label", "dev1", "--pin", "env:RS_PIN");

        var dcmsign = Peers.Run("dcmsign", "--verify", "+rg", "+cf", Trust, signed);
        Assert.True(dcmsign.ExitCode == 0, dcmsign.Stdout + dcmsign.Stderr);
        Ok(Run("verify", signed, "--trust", Trust));

        // The token itself says the private key is sensitive and not extractable; its value cannot be read.
        var dump = RunProcess("pkcs11-tool", env, "--module", module, "--token-label", "radseal-test", "--login", "--pin", "5678", "--list-objects", "--type", "privkey");
        Assert.Contains("dev1", dump, StringComparison.Ordinal);
        Assert.Contains("sensitive", dump, StringComparison.Ordinal);
        Assert.Contains("never extractable", dump, StringComparison.Ordinal);
    }

    private static string RunProcess(string program, Dictionary<string, string> env, params string[] args)
    {
        var r = RunProcessRaw(program, env, args);
        Assert.True(r.ExitCode == 0, $"{program} {string.Join(' ', args.Take(3))} exited {r.ExitCode}: {r.Stderr}{r.Stdout}");
        return r.Stdout;
    }

    private static ProcessResult RunProcessRaw(string program, Dictionary<string, string> env, params string[] args)
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
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program} (install its package: softhsm2, opensc)");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish");
        }
        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}
