using System.IO.Compression;

namespace RadSeal.Dicom;

/// <summary>
/// Reads DICOM files: Part 10 with or without preamble, or bare data sets, in every uncompressed and encapsulated
/// syntax, keeping every value's encoded bytes. Faults become <see cref="DicomFormatException"/> naming offset and tag.
/// </summary>
public static class DicomReader
{
    private static readonly byte[] Magic = "DICM"u8.ToArray();

    public static DicomFile ReadFile(string path, ReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        var info = new FileInfo(path);
        // A symbolic link's FileInfo describes the link itself; deferred values must be checked against the file.
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target)
        {
            info = target;
        }
        if (!info.Exists)
        {
            throw new FileNotFoundException($"No such file: '{path}'", path);
        }
        var origin = new FileOrigin(info.FullName, info.Length, info.LastWriteTimeUtc);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        return Read(stream, options, origin);
    }

    public static DicomFile Read(Stream stream, ReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        return Read(stream, options, origin: null);
    }

    /// <summary>Reads from memory without copying values: they are slices of <paramref name="bytes"/>.</summary>
    public static unsafe DicomFile Read(ReadOnlyMemory<byte> bytes, ReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment))
        {
            using var stream = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
            using var source = new ByteSource(stream, bytes);
            return Read(stream, source, options, origin: null);
        }
        using var pin = bytes.Pin();
        using (var stream = new UnmanagedMemoryStream((byte*)pin.Pointer, bytes.Length))
        {
            using var source = new ByteSource(stream, bytes);
            return Read(stream, source, options, origin: null);
        }
    }

    private static DicomFile Read(Stream stream, ReadOptions options, FileOrigin? origin)
    {
        using var source = new ByteSource(stream);
        return Read(stream, source, options, origin);
    }

    private static DicomFile Read(Stream stream, ByteSource source, ReadOptions options, FileOrigin? origin)
    {
        try
        {
            return ReadCore(stream, source, options, origin);
        }
        catch (EndOfStreamException ex)
        {
            throw new DicomFormatException("The file ends in the middle of an element (truncated)", source.ReportOffset, null, ex);
        }
        catch (InvalidDataException ex)
        {
            throw new DicomFormatException("The deflated data set is corrupt: " + ex.Message, source.ReportOffset, null, ex);
        }
    }

    private static DicomFile ReadCore(Stream stream, ByteSource source, ReadOptions options, FileOrigin? origin)
    {
        ReadOnlyMemory<byte>? preamble = null;
        var format = DicomFileFormat.DataSetOnly;
        var head = source.PeekUpTo(132);
        if (head.Length == 132 && head[128..132].SequenceEqual(Magic))
        {
            preamble = head[..128].ToArray();
            source.Skip(132);
            format = DicomFileFormat.Part10;
        }
        else if (head.Length >= 4 && head[..4].SequenceEqual(Magic))
        {
            source.Skip(4);
            format = DicomFileFormat.Part10WithoutPreamble;
        }

        var meta = new DicomDataSet();
        var parser = new DicomParser(source, options, origin);
        var first = source.PeekUpTo(8);
        if (first.Length >= 2 && first[0] == 0x02 && first[1] == 0x00)
        {
            parser.ReadMeta(meta);
            if (format == DicomFileFormat.DataSetOnly)
            {
                format = DicomFileFormat.MetaWithoutMagic;
            }
        }
        else if (format != DicomFileFormat.DataSetOnly)
        {
            throw new DicomFormatException("'DICM' is not followed by the file meta information (group 0002)", source.ReportOffset);
        }

        var declared = meta.FindElement(DicomTag.TransferSyntaxUid) is { } tsElement
            ? TransferSyntax.FromUid(System.Text.Encoding.ASCII.GetString(tsElement.Value.GetMemory().Span))
            : null;
        var syntax = ChooseSyntax(source, declared, format);
        var dataSet = new DicomDataSet();
        if (source.IsAtEnd)
        {
            return new DicomFile(meta, dataSet, syntax, preamble) { Format = format };
        }

        if (syntax.IsDeflated)
        {
            ReadDeflated(stream, source, options, dataSet);
        }
        else
        {
            parser.ReadDataSet(dataSet, syntax);
        }
        // Sort any out-of-order elements now, so the returned data set is read-only in effect and safe to share.
        dataSet.EnsureSorted();
        return new DicomFile(meta, dataSet, syntax, preamble) { Format = format };
    }

    /// <summary>
    /// The declared syntax, unless the first data set element plainly contradicts it (an explicit VR where implicit is
    /// declared or the reverse: a known fault of some writers, which DCMTK and pydicom also tolerate). Without file
    /// meta information the syntax is inferred from the first element.
    /// </summary>
    private static TransferSyntax ChooseSyntax(ByteSource source, TransferSyntax? declared, DicomFileFormat format)
    {
        var b = source.PeekUpTo(8);
        if (declared is { IsDeflated: true })
        {
            return declared;
        }
        if (b.Length < 8)
        {
            if (declared is not null)
            {
                return declared;
            }
            if (b.Length == 0 && format != DicomFileFormat.DataSetOnly)
            {
                return TransferSyntax.ExplicitVRLittleEndian;
            }
            throw new DicomFormatException("Not a DICOM file: too short to hold a data element", source.ReportOffset);
        }
        var looksExplicit = DicomVR.TryGet(b[4], b[5], out _);
        var groupLE = (ushort)(b[0] | b[1] << 8);
        var groupBE = (ushort)(b[0] << 8 | b[1]);
        if (declared is not null)
        {
            if (declared.IsExplicitVR == looksExplicit || declared.IsEncapsulated && !looksExplicit && declared.Uid.Length > 0 && !TransferSyntax.IsKnown(declared.Uid))
            {
                return declared;
            }
            if (!declared.IsExplicitVR && looksExplicit)
            {
                return groupLE <= groupBE ? TransferSyntax.ExplicitVRLittleEndian : TransferSyntax.ExplicitVRBigEndian;
            }
            // Declared explicit but the first element has no VR: implicit little endian, if its length is plausible.
            var len = (uint)(b[4] | b[5] << 8 | b[6] << 16 | b[7] << 24);
            return declared.IsLittleEndian && (len == 0xFFFFFFFF || len <= source.Remaining)
                ? TransferSyntax.ImplicitVRLittleEndian
                : declared;
        }
        if (looksExplicit)
        {
            return groupLE <= groupBE ? TransferSyntax.ExplicitVRLittleEndian : TransferSyntax.ExplicitVRBigEndian;
        }
        var length = (uint)(b[4] | b[5] << 8 | b[6] << 16 | b[7] << 24);
        if (format == DicomFileFormat.DataSetOnly && (groupLE == 0 || groupLE > 0x0010 || (groupLE & 1) == 1 || (length != 0xFFFFFFFF && length > source.Remaining)))
        {
            throw new DicomFormatException(
                "Not a DICOM file: no 'DICM' marker at offset 128 and the first bytes do not look like a data set", 0);
        }
        return TransferSyntax.ImplicitVRLittleEndian;
    }

    private static void ReadDeflated(Stream stream, ByteSource source, ReadOptions options, DicomDataSet dataSet)
    {
        // The deflate stream starts where the meta group ended: seek back there, or replay what is buffered.
        Stream compressed;
        if (stream.CanSeek)
        {
            stream.Position = stream.Length - source.TotalLength + source.Position;
            compressed = stream;
        }
        else
        {
            compressed = new ConcatStream(source.BufferedRemainder.ToArray(), stream);
        }
        using var inflate = new DeflateStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        using var bounded = new BoundedReadStream(inflate, options.MaxBytesInMemory);
        using var inflated = new ByteSource(bounded);
        var parser = new DicomParser(inflated, options, origin: null) { OffsetNote = " in the inflated data set" };
        try
        {
            parser.ReadDataSet(dataSet, TransferSyntax.ExplicitVRLittleEndian);
        }
        catch (EndOfStreamException ex)
        {
            // Report where the inflated stream ended, not where the outer reader happened to be.
            throw new DicomFormatException(
                "The deflated data set ends in the middle of an element (truncated) in the inflated data set",
                inflated.ReportOffset, null, ex);
        }
    }
}
