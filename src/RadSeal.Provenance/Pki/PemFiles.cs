using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RadSeal.Provenance.Pki;

/// <summary>Reading certificates from PEM or DER files, with one clear message when a file holds none.</summary>
public static class PemFiles
{
    /// <summary>The first certificate in a PEM file, or the certificate in a DER file.</summary>
    public static X509Certificate2 LoadCertificate(string path)
    {
        var all = LoadCertificates(path);
        return all[0];
    }

    /// <summary>Every certificate in a PEM file (a bundle), or the one in a DER file.</summary>
    public static X509Certificate2Collection LoadCertificates(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = File.ReadAllBytes(path);
        var collection = new X509Certificate2Collection();
        try
        {
            if (LooksLikePem(bytes))
            {
                collection.ImportFromPem(System.Text.Encoding.ASCII.GetString(bytes));
            }
            else
            {
                collection.Add(X509CertificateLoader.LoadCertificate(bytes));
            }
        }
        catch (CryptographicException ex)
        {
            throw new CryptographicException($"{path}: not a PEM or DER X.509 certificate ({ex.Message})", ex);
        }
        if (collection.Count == 0)
        {
            throw new CryptographicException($"{path}: no certificate in the file");
        }
        return collection;
    }

    /// <summary>A CRL from a PEM ("X509 CRL") or DER file.</summary>
    public static byte[] LoadCrlBytes(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (!LooksLikePem(bytes))
        {
            return bytes;
        }
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        if (!PemEncoding.TryFind(text, out var fields) || text[fields.Label] != "X509 CRL")
        {
            throw new CryptographicException($"{path}: no 'X509 CRL' PEM block in the file");
        }
        return Convert.FromBase64String(text[fields.Base64Data]);
    }

    internal static bool LooksLikePem(ReadOnlySpan<byte> bytes) => bytes.IndexOf("-----BEGIN "u8) >= 0;

    /// <summary>PEM text of a certificate.</summary>
    public static string ToPem(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return new string(PemEncoding.Write("CERTIFICATE", certificate.RawData)) + "\n";
    }
}
