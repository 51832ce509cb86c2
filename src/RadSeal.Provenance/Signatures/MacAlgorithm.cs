using System.Security.Cryptography;
using RadSeal.Provenance.Crypto;

namespace RadSeal.Provenance.Signatures;

/// <summary>
/// A MAC Algorithm (0400,0015) defined term (PS3.3 C.12.1.1.3; the SHA-2 terms from CP 1059) with the hash it names
/// and the DigestInfo prefix an RSA PKCS#1 v1.5 signature wraps around the MAC (RFC 8017 9.2 note 1).
/// </summary>
public sealed class MacAlgorithm
{
    private MacAlgorithm(string term, int size, HashAlgorithmName? bcl, string digestInfoPrefixHex, bool legacy)
    {
        Term = term;
        HashSizeInBytes = size;
        BclName = bcl;
        DigestInfoPrefix = Convert.FromHexString(digestInfoPrefixHex);
        IsLegacy = legacy;
    }

    /// <summary>The defined term as stored in (0400,0015).</summary>
    public string Term { get; }

    public int HashSizeInBytes { get; }

    /// <summary>The BCL's name for the hash, or null where the BCL has none (RIPEMD-160).</summary>
    public HashAlgorithmName? BclName { get; }

    /// <summary>DER of DigestInfo up to (not including) the digest octets.</summary>
    public ReadOnlyMemory<byte> DigestInfoPrefix { get; }

    /// <summary>Accepted for verifying old signatures; RadSeal never signs with it (MD5, SHA-1, RIPEMD-160).</summary>
    public bool IsLegacy { get; }

    public static readonly MacAlgorithm Ripemd160 = new("RIPEMD160", 20, null, "3021300906052B2403020105000414", true);
    public static readonly MacAlgorithm Md5 = new("MD5", 16, HashAlgorithmName.MD5, "3020300C06082A864886F70D020505000410", true);
    public static readonly MacAlgorithm Sha1 = new("SHA1", 20, HashAlgorithmName.SHA1, "3021300906052B0E03021A05000414", true);
    public static readonly MacAlgorithm Sha256 = new("SHA256", 32, HashAlgorithmName.SHA256, "3031300D060960864801650304020105000420", false);
    public static readonly MacAlgorithm Sha384 = new("SHA384", 48, HashAlgorithmName.SHA384, "3041300D060960864801650304020205000430", false);
    public static readonly MacAlgorithm Sha512 = new("SHA512", 64, HashAlgorithmName.SHA512, "3051300D060960864801650304020305000440", false);

    public static IReadOnlyList<MacAlgorithm> All { get; } = [Ripemd160, Md5, Sha1, Sha256, Sha384, Sha512];

    /// <summary>The algorithm named by a (0400,0015) value, or null for a term this code does not know.</summary>
    public static MacAlgorithm? FromTerm(string? term) =>
        All.FirstOrDefault(a => string.Equals(a.Term, term?.Trim(), StringComparison.Ordinal));

    public MacHashStream CreateHasher() => new(this);

    public override string ToString() => Term;
}

/// <summary>An incremental hash for one <see cref="MacAlgorithm"/>, usable as a write-only stream sink.</summary>
public sealed class MacHashStream : Stream
{
    private readonly IncrementalHash? bcl;
    private readonly Ripemd160? ripemd;
    private long written;

    internal MacHashStream(MacAlgorithm algorithm)
    {
        Algorithm = algorithm;
        if (algorithm.BclName is { } name)
        {
            bcl = IncrementalHash.CreateHash(name);
        }
        else
        {
            ripemd = new Ripemd160();
        }
    }

    public MacAlgorithm Algorithm { get; }

    /// <summary>Bytes hashed so far.</summary>
    public long BytesHashed => written;

    public byte[] GetHashAndReset()
    {
        written = 0;
        return bcl?.GetHashAndReset() ?? ripemd!.GetHashAndReset();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        written += buffer.Length;
        if (bcl is not null)
        {
            bcl.AppendData(buffer);
        }
        else
        {
            ripemd!.AppendData(buffer);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => written;
    public override long Position { get => written; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            bcl?.Dispose();
        }
        base.Dispose(disposing);
    }
}
