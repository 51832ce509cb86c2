using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Provenance.Keys;
using RadSeal.Provenance.Pki;

namespace RadSeal.Cli;

/// <summary>`radseal device enroll`: issue a device certificate naming the device by serial number.</summary>
internal static class DeviceCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("device", "Imaging-device identities");
        var ca = new Option<string>("--ca") { Description = "Folder of the CA (radseal ca init)", Required = true };
        var caPassword = new Option<string>("--ca-password") { Description = "Where the CA key password is: env:NAME or file:PATH", Required = true };
        var serial = new Option<string>("--serial") { Description = "Device serial number; must equal Device Serial Number (0018,1000) in what it signs", Required = true };
        var manufacturer = new Option<string>("--manufacturer") { Description = "Manufacturer", Required = true };
        var model = new Option<string>("--model") { Description = "Model name", Required = true };
        var output = new Option<string>("--out") { Description = "Output prefix: writes PREFIX.pem (certificate) and, for file keys, PREFIX.key", Required = true };
        var keyType = new Option<string>("--key-type") { Description = "p256 (default), p384 or rsa (3072)", DefaultValueFactory = _ => "p256" };
        keyType.AcceptOnlyFromAmong("p256", "p384", "rsa");
        var keyPassword = new Option<string?>("--key-password") { Description = "Where the new key's password is (env:NAME or file:PATH); the key file is encrypted PKCS#8" };
        var pkcs11 = new Option<string?>("--pkcs11") { Description = "Generate the key inside this PKCS#11 module's token instead of a file" };
        var token = new Option<string?>("--token") { Description = "PKCS#11 token label" };
        var keyLabel = new Option<string?>("--key-label") { Description = "PKCS#11 label for the new key and its certificate" };
        var pin = new Option<string?>("--pin") { Description = "Where the PKCS#11 user PIN is: env:NAME or file:PATH" };
        var days = new Option<int>("--days") { Description = "Certificate lifetime in days", DefaultValueFactory = _ => 3 * 365 };
        var enroll = new Command("enroll", "Create a device key and a certificate from the CA naming the device (X.520 serialNumber)")
        {
            ca, caPassword, serial, manufacturer, model, output, keyType, keyPassword, pkcs11, token, keyLabel, pin, days,
        };
        enroll.SetAction(r => CaCommand.Guard(stderr, () =>
        {
            var identity = new DeviceIdentity(r.GetValue(serial)!, r.GetValue(manufacturer)!, r.GetValue(model)!);
            using var authority = DeviceCa.Open(r.GetValue(ca)!, Secrets.Read(r.GetValue(caPassword)!, "--ca-password"));
            var prefix = r.GetValue(output)!;
            var lifetime = TimeSpan.FromDays(r.GetValue(days));
            X509Certificate2 certificate;
            if (r.GetValue(pkcs11) is { } module)
            {
                if (r.GetValue(token) is not { } tokenLabel || r.GetValue(keyLabel) is not { } label || r.GetValue(pin) is not { } pinSpec)
                {
                    throw new UsageException("--pkcs11 needs --token, --key-label and --pin");
                }
                var userPin = Secrets.Read(pinSpec, "--pin");
                var bits = r.GetValue(keyType) switch { "p384" => 384, "p256" => 256, _ => throw new UsageException("token keys are p256 or p384") };
                var publicKey = Pkcs11SignatureKey.GenerateEcKey(module, tokenLabel, label, userPin, bits);
                certificate = authority.Enroll(identity, publicKey, lifetime);
                Pkcs11SignatureKey.StoreCertificate(module, tokenLabel, label, userPin, certificate);
            }
            else
            {
                var password = Secrets.Read(r.GetValue(keyPassword) ?? throw new UsageException("give --key-password: device keys are stored encrypted"), "--key-password");
                using AsymmetricAlgorithm key = r.GetValue(keyType) switch
                {
                    "p384" => ECDsa.Create(ECCurve.NamedCurves.nistP384),
                    "rsa" => RSA.Create(3072),
                    _ => ECDsa.Create(ECCurve.NamedCurves.nistP256),
                };
                var publicKey = key switch
                {
                    ECDsa e => PublicKey.CreateFromSubjectPublicKeyInfo(e.ExportSubjectPublicKeyInfo(), out _),
                    RSA rsa => PublicKey.CreateFromSubjectPublicKeyInfo(rsa.ExportSubjectPublicKeyInfo(), out _),
                    _ => throw new InvalidOperationException(),
                };
                certificate = authority.Enroll(identity, publicKey, lifetime);
                DeviceCa.WriteAtomically(prefix + ".key", key.ExportEncryptedPkcs8PrivateKeyPem(password, DeviceCa.KeyEncryption));
            }
            DeviceCa.WriteAtomically(prefix + ".pem", PemFiles.ToPem(certificate));
            stdout.WriteLine($"{prefix}.pem: '{certificate.Subject}' (serial {certificate.SerialNumber}) valid to {certificate.NotAfter.ToUniversalTime():u}");
            return ExitCodes.Ok;
        }));
        command.Add(enroll);
        return command;
    }
}
