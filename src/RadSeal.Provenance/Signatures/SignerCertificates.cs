using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RadSeal.Provenance.Signatures;

/// <summary>
/// Parsed signer certificates, shared by their DER bytes. A gateway checks thousands of images from a handful of
/// devices; parsing each image's certificate again (its names, extensions and dates decoded anew) cost more than
/// hashing a half-megabyte image. The instances are shared, so nobody may dispose them. Bounded: past
/// <see cref="Capacity"/> distinct certificates the cache starts over (images with ever-new certificates are parsed
/// each time, as without it).
/// </summary>
internal static class SignerCertificates
{
    public const int Capacity = 1024;

    private static readonly ConcurrentDictionary<string, X509Certificate2> Cache = new(StringComparer.Ordinal);

    /// <summary>The certificate in <paramref name="der"/>, or null when the bytes are not an X.509 certificate.</summary>
    public static X509Certificate2? TryLoad(ReadOnlySpan<byte> der)
    {
        if (der.IsEmpty)
        {
            return null;
        }
        // The DER itself is the key (no hash: two different certificates can never share an entry).
        var key = Convert.ToBase64String(der);
        if (Cache.TryGetValue(key, out var cached))
        {
            return cached;
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            return null;
        }
        if (Cache.Count >= Capacity)
        {
            Cache.Clear();
        }
        return Cache.GetOrAdd(key, certificate);
    }
}
