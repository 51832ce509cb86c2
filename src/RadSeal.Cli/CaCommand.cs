using System.CommandLine;
using System.Security.Cryptography;
using RadSeal.Provenance.Pki;

namespace RadSeal.Cli;

/// <summary>`radseal ca init|revoke`: the hospital's device CA in one folder (see <see cref="DeviceCa"/>).</summary>
internal static class CaCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("ca", "Device certificate authority: create it, revoke device certificates, publish the CRL");

        var dir = new Argument<string>("dir") { Description = "Folder of the CA (ca.pem, ca.key, crl.pem, trust.pem)" };
        var name = new Option<string>("--name") { Description = "CA name (subject CN)", DefaultValueFactory = _ => "RadSeal Device CA" };
        var password = new Option<string>("--password") { Description = "Where the CA key password is: env:NAME or file:PATH", Required = true };
        var init = new Command("init", "Create a root CA (ECDSA P-384, encrypted PKCS#8 key), an empty CRL and the trust-store file") { dir, name, password };
        init.SetAction(r => Guard(stderr, () =>
        {
            using var ca = DeviceCa.Init(r.GetValue(dir)!, r.GetValue(name)!, Secrets.Read(r.GetValue(password)!, "--password"));
            stdout.WriteLine($"{ca.Directory}: CA '{ca.Certificate.Subject}' valid to {ca.Certificate.NotAfter.ToUniversalTime():u}");
            stdout.WriteLine($"  trust store {Path.Combine(ca.Directory, DeviceCa.TrustStoreFile)}, CRL {ca.CrlPath}");
            return ExitCodes.Ok;
        }));
        command.Add(init);

        var revokeDir = new Argument<string>("dir") { Description = "Folder of the CA" };
        var cert = new Option<string>("--cert") { Description = "Device certificate to revoke (PEM or DER)", Required = true };
        var revokePassword = new Option<string>("--password") { Description = "Where the CA key password is: env:NAME or file:PATH", Required = true };
        var revoke = new Command("revoke", "Revoke a device certificate and publish the next CRL (crl.pem)") { revokeDir, cert, revokePassword };
        revoke.SetAction(r => Guard(stderr, () =>
        {
            using var ca = DeviceCa.Open(r.GetValue(revokeDir)!, Secrets.Read(r.GetValue(revokePassword)!, "--password"));
            var device = PemFiles.LoadCertificate(r.GetValue(cert)!);
            ca.Revoke(device);
            stdout.WriteLine($"revoked '{device.Subject}' (serial {device.SerialNumber}); CRL published to {ca.CrlPath}");
            return ExitCodes.Ok;
        }));
        command.Add(revoke);
        return command;
    }

    /// <summary>One stderr line and an exit code for the failures a PKI verb can meet.</summary>
    internal static int Guard(TextWriter stderr, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"radseal: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is CryptographicException or Provenance.Signatures.SigningException)
        {
            stderr.WriteLine($"radseal: {ex.Message}");
            return ExitCodes.SigningFailed;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"radseal: {ex.Message}");
            return ExitCodes.IOError;
        }
    }
}
