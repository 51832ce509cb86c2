namespace RadSeal.Dicom;

/// <summary>How to read; an immutable options object (no global switches).</summary>
public sealed record ReadOptions
{
    public static ReadOptions Default { get; } = new();

    /// <summary>
    /// Values of at least this many bytes are left in the file and read when asked for (only when reading a file by
    /// path, since a stream may not be there later). Pixel data is the usual case.
    /// </summary>
    public long DeferThreshold { get; init; } = 64 * 1024;

    /// <summary>Stop at the first top-level element whose tag is at or beyond this one (e.g. Pixel Data for headers).</summary>
    public DicomTag? StopAtTag { get; init; }

    /// <summary>Sequences nested deeper than this are refused (a defence against hostile input, not a DICOM limit).</summary>
    public int MaxDepth
    {
        get => maxDepth;
        // The parser recurses a few frames per level; beyond this the thread's stack, not the option, would decide.
        init => maxDepth = value is >= 1 and <= MaxDepthLimit
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDepth), value, $"MaxDepth must be between 1 and {MaxDepthLimit}.");
    }

    /// <summary>The largest <see cref="MaxDepth"/> that can be asked for.</summary>
    public const int MaxDepthLimit = 1000;

    private readonly int maxDepth = 128;

    /// <summary>
    /// Bound on the bytes the reader may hold in memory for one file, and on the inflated size of a deflated data set
    /// (a defence against deflate bombs and false length claims in streams of unknown length).
    /// </summary>
    public long MaxBytesInMemory { get; init; } = 2L * 1024 * 1024 * 1024;
}
