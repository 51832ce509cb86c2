using System.IO.Compression;
using System.Text;

namespace RadSeal.Dicom;

/// <summary>
/// Writes Part 10 files. Rewriting in the file's own syntax reproduces the input byte for byte (group lengths are
/// recomputed, so only a wrong one changes); transcoding between the uncompressed syntaxes converts byte order and
/// VR encoding and stamps RadSeal's implementation identity in the meta group.
/// </summary>
public static class DicomWriter
{
    public static void WriteFile(DicomFile file, string path, WriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? ".";
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Write(file, stream, options);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original error is what matters to the caller.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }

    public static void Write(DicomFile file, Stream stream, WriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        var target = options.TransferSyntax ?? file.TransferSyntax;
        CheckTranscodable(file, target);
        CheckNoMetaElements(file.DataSet);
        var meta = BuildMeta(file, target);

        var output = new BufferedStream(stream, 1 << 16);
        output.Write(file.Preamble is { Length: 128 } p ? p.Span : new byte[128]);
        output.Write("DICM"u8);
        new DicomEncoder(output, TransferSyntax.ExplicitVRLittleEndian).WriteDataSet(meta);
        if (target.IsDeflated)
        {
            using var deflate = new DeflateStream(output, options.DeflateLevel, leaveOpen: true);
            var inner = new BufferedStream(deflate, 1 << 16);
            new DicomEncoder(inner, TransferSyntax.ExplicitVRLittleEndian).WriteDataSet(file.DataSet);
            inner.Flush();
        }
        else
        {
            new DicomEncoder(output, target).WriteDataSet(file.DataSet);
        }
        output.Flush();
    }

    private static void CheckTranscodable(DicomFile file, TransferSyntax target)
    {
        if (target.Uid == file.TransferSyntax.Uid)
        {
            return;
        }
        if (IsMediaStorageDirectory(file))
        {
            throw new DicomEncodingException(
                $"Cannot transcode a DICOMDIR from {file.TransferSyntax.Name} to {target.Name}: its record offsets " +
                "(0004,1200), (0004,1202), (0004,1400) and (0004,1420) are byte positions that would no longer point at " +
                "its records. Rewrite it in its own syntax.");
        }
        var encapsulated = file.DataSet.Find(DicomTag.PixelData) is DicomFragmentSequence;
        if (encapsulated || file.TransferSyntax.IsEncapsulated)
        {
            throw new DicomEncodingException(
                $"Cannot transcode from {file.TransferSyntax.Name} to {target.Name}: the pixel data is encapsulated " +
                "and RadSeal has no codec for it yet; only the uncompressed syntaxes convert into each other.");
        }
        if (target.IsEncapsulated)
        {
            throw new DicomEncodingException($"Writing {target.Name} needs a pixel codec; RadSeal writes only the uncompressed syntaxes.");
        }
    }

    /// <summary>
    /// Group 0002 belongs to the file meta information only: written into the data set (first, as the order puts it)
    /// it would read back as part of the meta group, so the file would not read back as it was given.
    /// </summary>
    private static void CheckNoMetaElements(DicomDataSet dataSet)
    {
        foreach (var item in dataSet)
        {
            if (item.Tag.Group > 0x0002)
            {
                return;
            }
            if (item.Tag.Group == 0x0002)
            {
                throw new DicomEncodingException(
                    $"The data set holds file meta element {item.Tag}; group 0002 belongs in DicomFile.Meta.");
            }
        }
    }

    /// <summary>A DICOMDIR: Media Storage Directory Storage in the meta group, or a Directory Record Sequence.</summary>
    private static bool IsMediaStorageDirectory(DicomFile file) =>
        file.Meta.GetString(DicomTags.MediaStorageSOPClassUID) == MediaStorageDirectoryStorage ||
        file.DataSet.Contains(DirectoryRecordSequence);

    private const string MediaStorageDirectoryStorage = "1.2.840.10008.1.3.10";
    private static readonly DicomTag DirectoryRecordSequence = new(0x0004, 0x1220);

    private static DicomDataSet BuildMeta(DicomFile file, TransferSyntax target)
    {
        var meta = file.Meta.Copy();
        // The meta group must name the syntax the data set is written in, also where Meta came from elsewhere or the
        // file was read with a (0002,0010) its data set contradicted. A declared compressed syntax is kept: it names
        // how the pixel data is encoded, which the syntax the reader chose (by the data set's first bytes) cannot.
        var declared = file.Meta.FindElement(DicomTag.TransferSyntaxUid) is { } ts
            ? Encoding.ASCII.GetString(ts.GetLittleEndianBytes().Span).TrimEnd('\0', ' ')
            : null;
        var transcoding = target.Uid != file.TransferSyntax.Uid || declared is null
            || (declared != target.Uid && !TransferSyntax.FromUid(declared).IsEncapsulated);
        if (!meta.Contains(DicomTag.FileMetaInformationGroupLength))
        {
            meta.Set(new DicomElement(DicomTag.FileMetaInformationGroupLength, DicomVR.UL, new byte[4]));
        }
        if (!meta.Contains(DicomTags.FileMetaInformationVersion))
        {
            meta.Set(new DicomElement(DicomTags.FileMetaInformationVersion, DicomVR.OB, new byte[] { 0, 1 }));
        }
        SetUidIfMissing(meta, DicomTags.MediaStorageSOPClassUID, file.DataSet.FindElement(DicomTags.SOPClassUID));
        SetUidIfMissing(meta, DicomTags.MediaStorageSOPInstanceUID, file.DataSet.FindElement(DicomTags.SOPInstanceUID));
        if (transcoding)
        {
            meta.Set(UidElement(DicomTag.TransferSyntaxUid, target.Uid));
            meta.Set(UidElement(DicomTags.ImplementationClassUID, DicomUid.ImplementationClassUid));
            meta.Set(TextElement(DicomTags.ImplementationVersionName, DicomVR.SH, DicomUid.ImplementationVersionName));
        }
        else if (!meta.Contains(DicomTags.ImplementationClassUID))
        {
            meta.Set(UidElement(DicomTags.ImplementationClassUID, DicomUid.ImplementationClassUid));
            meta.Set(TextElement(DicomTags.ImplementationVersionName, DicomVR.SH, DicomUid.ImplementationVersionName));
        }
        return meta;
    }

    private static void SetUidIfMissing(DicomDataSet meta, DicomTag tag, DicomElement? from)
    {
        if (!meta.Contains(tag) && from is not null)
        {
            var bytes = from.GetLittleEndianBytes();
            meta.Set(new DicomElement(tag, DicomVR.UI, bytes));
        }
    }

    internal static DicomElement UidElement(DicomTag tag, string uid) => TextElement(tag, DicomVR.UI, uid);

    /// <summary>An ASCII string element padded to even length with the VR's padding byte.</summary>
    internal static DicomElement TextElement(DicomTag tag, DicomVR vr, string text)
    {
        var n = Encoding.ASCII.GetByteCount(text);
        var bytes = new byte[n + (n & 1)];
        Encoding.ASCII.GetBytes(text, bytes);
        if ((n & 1) == 1)
        {
            bytes[^1] = vr.Padding;
        }
        return new DicomElement(tag, vr, bytes);
    }
}
