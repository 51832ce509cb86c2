using System.Buffers.Binary;
using System.Text;

namespace RadSeal.Forensics.C2pa;

/// <summary>A JUMBF box (ISO/IEC 19566-5): its type, and either its payload or, for a superbox, its label and children.</summary>
public sealed class JumbfBox
{
    private JumbfBox(string type, ReadOnlyMemory<byte> payload, ReadOnlyMemory<byte> whole)
    {
        Type = type;
        Payload = payload;
        Whole = whole;
    }

    /// <summary>Four-character box type: "jumb" for a superbox, "cbor", "json", "bidb", "c2sh", "uuid" ….</summary>
    public string Type { get; }

    /// <summary>Everything after the box header (LBox, TBox and XLBox).</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The box with its header.</summary>
    public ReadOnlyMemory<byte> Whole { get; }

    /// <summary>For a superbox: the content type UUID from its description box.</summary>
    public Guid? ContentType { get; private init; }

    /// <summary>For a superbox: its label (e.g. "c2pa", "c2pa.claim.v2", a manifest's URN).</summary>
    public string? Label { get; private init; }

    /// <summary>For a superbox: the boxes after the description box.</summary>
    public IReadOnlyList<JumbfBox> Children { get; private init; } = [];

    public bool IsSuperBox => Type == "jumb";

    public JumbfBox? Child(string label) => Children.FirstOrDefault(c => c.Label == label);

    /// <summary>The first child box of the given type (e.g. the "cbor" content box of an assertion).</summary>
    public JumbfBox? ContentOfType(string type) => Children.FirstOrDefault(c => c.Type == type);

    /// <summary>Parses one box (a superbox recursively) that spans exactly <paramref name="data"/>.</summary>
    public static JumbfBox Parse(ReadOnlyMemory<byte> data)
    {
        var boxes = ParseAll(data, depth: 0);
        if (boxes.Count != 1)
        {
            throw new C2paFormatException($"expected one JUMBF box, found {boxes.Count}");
        }
        return boxes[0];
    }

    private static List<JumbfBox> ParseAll(ReadOnlyMemory<byte> data, int depth)
    {
        if (depth > 32)
        {
            throw new C2paFormatException("JUMBF boxes nested more than 32 deep");
        }
        var boxes = new List<JumbfBox>();
        var offset = 0;
        var span = data.Span;
        while (offset < data.Length)
        {
            if (data.Length - offset < 8)
            {
                throw new C2paFormatException($"truncated JUMBF box header at offset {offset}");
            }
            long length = BinaryPrimitives.ReadUInt32BigEndian(span[offset..]);
            var type = Encoding.ASCII.GetString(span.Slice(offset + 4, 4));
            var header = 8;
            if (length == 1)
            {
                if (data.Length - offset < 16)
                {
                    throw new C2paFormatException($"truncated JUMBF XLBox at offset {offset}");
                }
                length = (long)BinaryPrimitives.ReadUInt64BigEndian(span[(offset + 8)..]);
                header = 16;
            }
            else if (length == 0)
            {
                length = data.Length - offset; // to the end of the data
            }
            if (length < header || length > data.Length - offset)
            {
                throw new C2paFormatException($"JUMBF box '{type}' at offset {offset} claims {length} bytes; {data.Length - offset} remain");
            }
            var whole = data.Slice(offset, (int)length);
            var payload = whole[header..];
            boxes.Add(type == "jumb" ? ParseSuperBox(type, payload, whole, depth) : new JumbfBox(type, payload, whole));
            offset += (int)length;
        }
        return boxes;
    }

    private static JumbfBox ParseSuperBox(string type, ReadOnlyMemory<byte> payload, ReadOnlyMemory<byte> whole, int depth)
    {
        var children = ParseAll(payload, depth + 1);
        if (children.Count == 0 || children[0].Type != "jumd")
        {
            throw new C2paFormatException("a JUMBF superbox does not start with its description box (jumd)");
        }
        var d = children[0].Payload.Span;
        if (d.Length < 17)
        {
            throw new C2paFormatException("truncated JUMBF description box");
        }
        var uuid = new Guid(d[..16], bigEndian: true);
        var toggles = d[16];
        string? label = null;
        if ((toggles & 0x02) != 0)
        {
            var rest = d[17..];
            var end = rest.IndexOf((byte)0);
            if (end < 0)
            {
                throw new C2paFormatException("a JUMBF label is not null-terminated");
            }
            label = Encoding.UTF8.GetString(rest[..end]);
        }
        return new JumbfBox(type, payload, whole) { ContentType = uuid, Label = label, Children = children.Skip(1).ToArray() };
    }
}

/// <summary>A C2PA manifest store, JUMBF box or CBOR structure that does not parse.</summary>
public sealed class C2paFormatException(string message) : Exception(message);
