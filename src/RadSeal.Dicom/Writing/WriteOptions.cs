namespace RadSeal.Dicom;

/// <summary>How to write; an immutable options object.</summary>
public sealed record WriteOptions
{
    public static WriteOptions Default { get; } = new();

    /// <summary>The syntax to write the data set in; null keeps the file's own (a byte-preserving rewrite).</summary>
    public TransferSyntax? TransferSyntax { get; init; }

    /// <summary>Compression level for the Deflated syntax.</summary>
    public System.IO.Compression.CompressionLevel DeflateLevel { get; init; } = System.IO.Compression.CompressionLevel.Optimal;
}
