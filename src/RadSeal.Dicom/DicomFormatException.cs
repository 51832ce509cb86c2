namespace RadSeal.Dicom;

/// <summary>
/// The input is not DICOM RadSeal can read. The message names the byte offset and, where known, the tag, so a
/// person can find the fault with a hex viewer or dcmdump.
/// </summary>
public sealed class DicomFormatException : Exception
{
    public DicomFormatException(string message, long offset, DicomTag? tag = null, Exception? inner = null)
        : base(Compose(message, offset, tag), inner)
    {
        Offset = offset;
        Tag = tag;
    }

    public DicomFormatException() : base("Malformed DICOM.") { }

    public DicomFormatException(string message) : base(message) { }

    public DicomFormatException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Byte offset in the file (or in the inflated stream for deflated data sets) where the fault was found.</summary>
    public long Offset { get; } = -1;

    public DicomTag? Tag { get; }

    private static string Compose(string message, long offset, DicomTag? tag) =>
        tag is { } t ? $"{message} (tag {t}, offset {offset})" : $"{message} (offset {offset})";
}

/// <summary>A data set cannot be encoded as asked (for example a value too long for a 16-bit length field).</summary>
public sealed class DicomEncodingException : Exception
{
    public DicomEncodingException(string message) : base(message) { }

    public DicomEncodingException() : base("The data set cannot be encoded in the requested transfer syntax.") { }

    public DicomEncodingException(string message, Exception inner) : base(message, inner) { }
}
