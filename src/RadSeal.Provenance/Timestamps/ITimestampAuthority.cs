namespace RadSeal.Provenance.Timestamps;

/// <summary>A source of RFC 3161 time-stamp tokens over a signature value.</summary>
public interface ITimestampAuthority
{
    /// <summary>The DER TimeStampToken (a CMS SignedData ContentInfo) certifying <paramref name="data"/>.</summary>
    byte[] RequestToken(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);
}
