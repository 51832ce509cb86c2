using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace RadSeal.Dicom.Tests.Robustness;

/// <summary>Builds the valid files the malformed-input tests start from, and the raw bytes they splice in.</summary>
internal static class Samples
{
    public static DicomElement Text(DicomTag tag, DicomVR vr, string value)
    {
        var bytes = Encoding.ASCII.GetBytes(value);
        if ((bytes.Length & 1) == 1)
        {
            Array.Resize(ref bytes, bytes.Length + 1);
            bytes[^1] = vr.Padding;
        }
        return new DicomElement(tag, vr, bytes);
    }

    public static DicomElement UShorts(DicomTag tag, params ushort[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        }
        return new DicomElement(tag, DicomVR.US, bytes);
    }

    private static DicomDataSet CodeItem(string value, bool undefinedLength) => new DicomDataSet
    {
        UndefinedLength = undefinedLength,
    }
        .Set(Text(DicomTags.CodeValue, DicomVR.SH, value))
        .Set(Text(new DicomTag(0x0008, 0x0102), DicomVR.SH, "DCM"))
        .Set(Text(new DicomTag(0x0008, 0x0104), DicomVR.LO, "Code meaning " + value));

    /// <summary>
    /// A small image (about 3 KB in Explicit VR Little Endian): text, numbers, a private block, a defined-length
    /// sequence whose items (one defined, one undefined length) hold an undefined-length sequence, and 32x32x16-bit
    /// native pixel data.
    /// </summary>
    public static DicomDataSet DataSet()
    {
        var inner1 = new DicomSequence(DicomTags.ConceptNameCodeSequence, [CodeItem("121071", true)], undefinedLength: true);
        var inner2 = new DicomSequence(DicomTags.ConceptNameCodeSequence, [CodeItem("121072", false), CodeItem("121073", true)], undefinedLength: true);
        var item1 = new DicomDataSet { UndefinedLength = false }
            .Set(Text(DicomTags.ReferencedSOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.2"))
            .Set(Text(new DicomTag(0x0008, 0x1155), DicomVR.UI, "1.2.3.4.5.6.7.8.9.1"))
            .Set(inner1);
        var item2 = new DicomDataSet { UndefinedLength = true }
            .Set(Text(DicomTags.ReferencedSOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.4"))
            .Set(Text(new DicomTag(0x0008, 0x1155), DicomVR.UI, "1.2.3.4.5.6.7.8.9.2"))
            .Set(inner2);
        var pixels = new byte[32 * 32 * 2];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 7 + (i >> 5));
        }
        var privateBytes = new byte[64];
        for (var i = 0; i < privateBytes.Length; i++)
        {
            privateBytes[i] = (byte)(255 - i);
        }
        return new DicomDataSet()
            .Set(Text(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100"))
            .Set(Text(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7"))
            .Set(Text(new DicomTag(0x0008, 0x0018), DicomVR.UI, "1.2.826.0.1.3680043.2.1125.1.42"))
            .Set(Text(new DicomTag(0x0008, 0x0020), DicomVR.DA, "20240229"))
            .Set(Text(new DicomTag(0x0008, 0x0030), DicomVR.TM, "101500.123"))
            .Set(Text(new DicomTag(0x0008, 0x0060), DicomVR.CS, "OT"))
            .Set(new DicomSequence(DicomTags.ReferencedImageSequence, [item1, item2], undefinedLength: false))
            .Set(Text(new DicomTag(0x0009, 0x0010), DicomVR.LO, "RADSEAL TEST"))
            .Set(UShorts(new DicomTag(0x0009, 0x1001), 1, 2, 3))
            .Set(new DicomElement(new DicomTag(0x0009, 0x1002), DicomVR.OB, privateBytes))
            .Set(Text(DicomTags.PatientName, DicomVR.PN, "Doe^Jane^^Dr"))
            .Set(Text(new DicomTag(0x0010, 0x0020), DicomVR.LO, "PID-0001"))
            .Set(Text(new DicomTag(0x0018, 0x0050), DicomVR.DS, "0.625"))
            .Set(Text(new DicomTag(0x0020, 0x0013), DicomVR.IS, "17"))
            .Set(UShorts(new DicomTag(0x0028, 0x0002), 1))
            .Set(Text(new DicomTag(0x0028, 0x0004), DicomVR.CS, "MONOCHROME2"))
            .Set(UShorts(new DicomTag(0x0028, 0x0010), 32))
            .Set(UShorts(new DicomTag(0x0028, 0x0011), 32))
            .Set(UShorts(new DicomTag(0x0028, 0x0100), 16))
            .Set(UShorts(new DicomTag(0x0028, 0x0101), 12))
            .Set(UShorts(new DicomTag(0x0028, 0x0102), 11))
            .Set(UShorts(new DicomTag(0x0028, 0x0103), 0))
            .Set(new DicomElement(DicomTags.PixelData, DicomVR.OW, pixels));
    }

    /// <summary>The sample as a Part 10 file in <paramref name="syntax"/>.</summary>
    public static byte[] File(TransferSyntax syntax) => Encode(DataSet(), syntax);

    public static byte[] Encode(DicomDataSet dataSet, TransferSyntax syntax)
    {
        using var ms = new MemoryStream();
        new DicomFile(new DicomDataSet(), dataSet, syntax).Save(ms);
        return ms.ToArray();
    }

    /// <summary>Preamble, "DICM" and a meta group declaring <paramref name="syntax"/>, followed by <paramref name="dataSet"/> as given.</summary>
    public static byte[] WithRawDataSet(TransferSyntax syntax, ReadOnlySpan<byte> dataSet)
    {
        var head = Encode(new DicomDataSet(), syntax);
        var result = new byte[head.Length + dataSet.Length];
        head.CopyTo(result, 0);
        dataSet.CopyTo(result.AsSpan(head.Length));
        return result;
    }

    public static byte[] RawDeflate(ReadOnlySpan<byte> data)
    {
        using var ms = new MemoryStream();
        using (var deflate = new DeflateStream(ms, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(data);
        }
        return ms.ToArray();
    }

    public static string PydicomFile(string name) => Path.Combine(Peers.PydicomTestFiles, name);
}

/// <summary>Writes raw Explicit VR Little Endian (or implicit) element headers for hand-made malformed data sets.</summary>
internal sealed class RawWriter
{
    private readonly System.Buffers.ArrayBufferWriter<byte> ms = new();

    public RawWriter Tag(ushort group, ushort element)
    {
        Span<byte> s = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(s, group);
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], element);
        ms.Write(s);
        return this;
    }

    public RawWriter UInt16(ushort value)
    {
        Span<byte> s = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(s, value);
        ms.Write(s);
        return this;
    }

    public RawWriter UInt32(uint value)
    {
        Span<byte> s = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(s, value);
        ms.Write(s);
        return this;
    }

    public RawWriter Ascii(string text)
    {
        ms.Write<byte>(Encoding.ASCII.GetBytes(text));
        return this;
    }

    public RawWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        ms.Write(bytes);
        return this;
    }

    /// <summary>An explicit VR element header: tag, VR, and a 2- or 4-byte length as the VR requires.</summary>
    public RawWriter Explicit(ushort group, ushort element, string vr, uint length)
    {
        Tag(group, element).Ascii(vr);
        if (DicomVR.Parse(vr).HasLongLength)
        {
            return UInt16(0).UInt32(length);
        }
        return UInt16(checked((ushort)length));
    }

    /// <summary>An implicit VR element header (also items and delimiters): tag and 4-byte length.</summary>
    public RawWriter Implicit(ushort group, ushort element, uint length) => Tag(group, element).UInt32(length);

    public RawWriter Item(uint length) => Implicit(0xFFFE, 0xE000, length);

    public RawWriter ItemEnd() => Implicit(0xFFFE, 0xE00D, 0);

    public RawWriter SequenceEnd() => Implicit(0xFFFE, 0xE0DD, 0);

    public byte[] ToArray() => ms.WrittenSpan.ToArray();
}

/// <summary>A read-only stream that hides its seekability, like a socket or a pipe.</summary>
internal sealed class NonSeekableStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => inner.Read(buffer);
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>The outcome rule of every malformed-input test: a file, or a <see cref="DicomFormatException"/>; nothing else.</summary>
internal static class Outcome
{
    /// <summary>Reads and returns the file, null on DicomFormatException; any other exception propagates and fails the test.</summary>
    public static DicomFile? ReadOrFormatError(Func<DicomFile> read)
    {
        try
        {
            return read();
        }
        catch (DicomFormatException)
        {
            return null;
        }
    }

    /// <summary>Reads every value of the file (deferred ones too), so lazily read bytes are exercised as well.</summary>
    public static long Touch(DicomDataSet dataSet)
    {
        long total = 0;
        foreach (var item in dataSet)
        {
            switch (item)
            {
                case DicomElement e:
                    total += e.GetLittleEndianBytes().Length;
                    break;
                case DicomSequence sq:
                    foreach (var child in sq.Items)
                    {
                        total += Touch(child);
                    }
                    break;
                case DicomFragmentSequence f:
                    total += f.OffsetTable.GetMemory().Length + f.Fragments.Sum(x => (long)x.GetMemory().Length);
                    break;
            }
        }
        return total;
    }

    /// <summary>Runs <paramref name="action"/> on a worker thread and fails if it has not finished in time (a hang).</summary>
    public static void WithinTime(TimeSpan limit, Action action)
    {
        var task = Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (Task.WaitAny([task], limit) < 0)
        {
            Assert.Fail($"Did not finish within {limit} (a hang or quadratic behaviour)");
        }
        task.GetAwaiter().GetResult();
    }
}
