using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Provenance.Verification;

namespace RadSeal.Provenance.Pki;

/// <summary>What a device certificate names: the X.520 serialNumber ties it to Device Serial Number (0018,1000).</summary>
public sealed record DeviceIdentity(string SerialNumber, string Manufacturer, string Model)
{
    public X500DistinguishedName ToSubject()
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName(Manufacturer);
        builder.AddCommonName($"{Manufacturer} {Model} {SerialNumber}");
        builder.Add(VerificationPolicy.SerialNumberOid, SerialNumber, UniversalTagNumber.PrintableString);
        return builder.Build();
    }
}

/// <summary>
/// A hospital's device CA kept in one folder: ca.pem (root, ECDSA P-384), ca.key (encrypted PKCS#8), crl.pem (the
/// current CRL) and trust.pem (the trust-store file verifiers take with --trust). Files are written atomically.
/// </summary>
public sealed class DeviceCa : IDisposable
{
    public const string CertificateFile = "ca.pem";
    public const string KeyFile = "ca.key";
    public const string CrlFile = "crl.pem";
    public const string TrustStoreFile = "trust.pem";

    /// <summary>PBKDF2 rounds for encrypted keys: costly for a guesser, a fraction of a second for the owner.</summary>
    public static readonly PbeParameters KeyEncryption = new(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 200_000);

    private readonly ECDsa key;

    private DeviceCa(string directory, X509Certificate2 certificate, ECDsa key)
    {
        Directory = directory;
        Certificate = certificate;
        this.key = key;
    }

    public string Directory { get; }
    public X509Certificate2 Certificate { get; }

    /// <summary>Creates a new CA in an empty or absent folder; refuses to overwrite an existing one.</summary>
    public static DeviceCa Init(string directory, string name, string password, TimeSpan? lifetime = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        System.IO.Directory.CreateDirectory(directory);
        if (File.Exists(Path.Combine(directory, KeyFile)) || File.Exists(Path.Combine(directory, CertificateFile)))
        {
            throw new IOException($"{directory} already holds a CA; refusing to overwrite it");
        }
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(name);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var selfSigned = request.CreateSelfSigned(now.AddHours(-1), now.Add(lifetime ?? TimeSpan.FromDays(3650 * 2)));
        var certificate = X509CertificateLoader.LoadCertificate(selfSigned.RawData);
        var ca = new DeviceCa(directory, certificate, key);
        WriteAtomically(Path.Combine(directory, KeyFile), key.ExportEncryptedPkcs8PrivateKeyPem(password, KeyEncryption));
        WriteAtomically(Path.Combine(directory, CertificateFile), PemFiles.ToPem(certificate));
        WriteAtomically(Path.Combine(directory, TrustStoreFile), PemFiles.ToPem(certificate));
        ca.PublishCrl(new CertificateRevocationListBuilder(), BigInteger.One);
        return ca;
    }

    public static DeviceCa Open(string directory, string password)
    {
        var certificate = PemFiles.LoadCertificate(Path.Combine(directory, CertificateFile));
        var key = ECDsa.Create();
        try
        {
            key.ImportFromEncryptedPem(File.ReadAllText(Path.Combine(directory, KeyFile)), password);
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new CryptographicException($"{Path.Combine(directory, KeyFile)}: cannot decrypt the CA key (wrong password?)", ex);
        }
        return new DeviceCa(directory, certificate, key);
    }

    /// <summary>
    /// Issues a device certificate for <paramref name="publicKey"/>: subject naming the device, key usage
    /// digitalSignature + nonRepudiation, EKU id-kp-documentSigning, valid from an hour ago (clock differences, and
    /// dcmsign rejects signatures in the certificate's first second).
    /// </summary>
    public X509Certificate2 Enroll(DeviceIdentity device, PublicKey publicKey, TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(publicKey);
        var request = new CertificateRequest(device.ToSubject(), publicKey, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(VerificationPolicy.DocumentSigningEku)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var notAfter = now.Add(lifetime ?? TimeSpan.FromDays(3 * 365));
        if (notAfter > Certificate.NotAfter)
        {
            notAfter = Certificate.NotAfter;
        }
        using var issued = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(key), now.AddHours(-1), notAfter, serial);
        return X509CertificateLoader.LoadCertificate(issued.RawData);
    }

    /// <summary>Adds <paramref name="certificate"/> to the CRL and publishes the next CRL (its number one higher).</summary>
    public void Revoke(X509Certificate2 certificate, X509RevocationReason reason = X509RevocationReason.KeyCompromise)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.IssuerName.RawData.AsSpan().SequenceEqual(Certificate.SubjectName.RawData))
        {
            throw new CryptographicException($"'{certificate.Subject}' was not issued by this CA ('{Certificate.Subject}')");
        }
        var current = PemFiles.LoadCrlBytes(Path.Combine(Directory, CrlFile));
        var builder = CertificateRevocationListBuilder.Load(current, out var number);
        builder.AddEntry(certificate, DateTimeOffset.UtcNow, reason);
        PublishCrl(builder, number + 1);
    }

    /// <summary>The path of the current CRL.</summary>
    public string CrlPath => Path.Combine(Directory, CrlFile);

    private void PublishCrl(CertificateRevocationListBuilder builder, BigInteger number)
    {
        using var signer = Certificate.CopyWithPrivateKey(key);
        var now = DateTimeOffset.UtcNow;
        var crl = builder.Build(signer, number, now.AddDays(30), HashAlgorithmName.SHA384, thisUpdate: now.AddMinutes(-5));
        WriteAtomically(CrlPath, new string(PemEncoding.Write("X509 CRL", crl)) + "\n");
    }

    /// <summary>Writes a temporary file beside the target and renames it, so no reader ever sees half a file.</summary>
    public static void WriteAtomically(string path, string text)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, text);
            if (!OperatingSystem.IsWindows() && full.EndsWith(".key", StringComparison.Ordinal))
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public void Dispose() => key.Dispose();
}
