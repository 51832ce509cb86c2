namespace RadSeal.Dicom;

/// <summary>
/// A DICOM Part 10 file: the optional 128-byte preamble, the file meta information (group 0002, always Explicit VR
/// Little Endian) and the data set encoded in <see cref="TransferSyntax"/>.
/// </summary>
public sealed class DicomFile
{
    public DicomFile(DicomDataSet meta, DicomDataSet dataSet, TransferSyntax transferSyntax, ReadOnlyMemory<byte>? preamble = null)
    {
        ArgumentNullException.ThrowIfNull(meta);
        ArgumentNullException.ThrowIfNull(dataSet);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        Meta = meta;
        DataSet = dataSet;
        TransferSyntax = transferSyntax;
        Preamble = preamble;
    }

    public DicomDataSet Meta { get; }

    public DicomDataSet DataSet { get; }

    /// <summary>The syntax the data set was read in (and is written in unless another is asked for).</summary>
    public TransferSyntax TransferSyntax { get; }

    /// <summary>The 128-byte preamble, or null where the input had none (then it was a bare data set or began with "DICM").</summary>
    public ReadOnlyMemory<byte>? Preamble { get; }

    /// <summary>How the input began: a Part 10 file, or a bare data set without file meta information.</summary>
    public DicomFileFormat Format { get; init; } = DicomFileFormat.Part10;

    /// <summary>Reads a file. Values larger than <see cref="ReadOptions.DeferThreshold"/> stay on disk until asked for.</summary>
    public static DicomFile Open(string path, ReadOptions? options = null) => DicomReader.ReadFile(path, options ?? ReadOptions.Default);

    /// <summary>Reads from a stream; every value is loaded into memory.</summary>
    public static DicomFile Read(Stream stream, ReadOptions? options = null) => DicomReader.Read(stream, options ?? ReadOptions.Default);

    /// <summary>
    /// Reads from memory without copying: the values are slices of <paramref name="bytes"/>, which must stay unchanged
    /// (and, for memory the caller frees, alive) while the file is in use. <see cref="DicomFileMapping"/> reads a file
    /// this way.
    /// </summary>
    public static DicomFile Read(ReadOnlyMemory<byte> bytes, ReadOptions? options = null) => DicomReader.Read(bytes, options ?? ReadOptions.Default);

    /// <summary>
    /// Writes the file to <paramref name="path"/> atomically: a temporary file beside it is written, flushed to disk and
    /// renamed, so a failure never leaves a half-written file.
    /// </summary>
    public void Save(string path, WriteOptions? options = null) => DicomWriter.WriteFile(this, path, options ?? WriteOptions.Default);

    public void Save(Stream stream, WriteOptions? options = null) => DicomWriter.Write(this, stream, options ?? WriteOptions.Default);
}

public enum DicomFileFormat
{
    /// <summary>Preamble, "DICM" and file meta information, as PS3.10 7.1 requires.</summary>
    Part10,
    /// <summary>"DICM" and file meta information without the preamble.</summary>
    Part10WithoutPreamble,
    /// <summary>File meta information without preamble or "DICM".</summary>
    MetaWithoutMagic,
    /// <summary>A bare data set; the transfer syntax was inferred from its first bytes.</summary>
    DataSetOnly,
}
