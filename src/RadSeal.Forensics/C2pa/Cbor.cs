using System.Formats.Cbor;
using System.Globalization;

namespace RadSeal.Forensics.C2pa;

/// <summary>
/// CBOR decoded into plain values: maps become dictionaries keyed by the key's text, arrays lists, byte strings
/// byte arrays, tags are dropped (their content kept). Bounded in depth and size so a hostile manifest cannot exhaust
/// the inspector.
/// </summary>
internal static class Cbor
{
    private const int MaxDepth = 64;
    private const int MaxItems = 1 << 20;

    public static object? Decode(ReadOnlyMemory<byte> data)
    {
        try
        {
            var reader = new CborReader(data, CborConformanceMode.Lax, allowMultipleRootLevelValues: false);
            var items = 0;
            var value = Read(reader, 0, ref items);
            if (reader.BytesRemaining != 0)
            {
                throw new C2paFormatException($"{reader.BytesRemaining} bytes follow the CBOR value");
            }
            return value;
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new C2paFormatException($"invalid CBOR: {ex.Message}");
        }
    }

    private static object? Read(CborReader reader, int depth, ref int items)
    {
        if (depth > MaxDepth || ++items > MaxItems)
        {
            throw new C2paFormatException("CBOR nested too deep or too large");
        }
        switch (reader.PeekState())
        {
            case CborReaderState.UnsignedInteger:
            case CborReaderState.NegativeInteger:
                return reader.ReadInt64();
            case CborReaderState.ByteString:
                return reader.ReadByteString();
            case CborReaderState.TextString:
                return reader.ReadTextString();
            case CborReaderState.StartArray:
                {
                    reader.ReadStartArray();
                    var list = new List<object?>();
                    while (reader.PeekState() != CborReaderState.EndArray)
                    {
                        list.Add(Read(reader, depth + 1, ref items));
                    }
                    reader.ReadEndArray();
                    return list;
                }
            case CborReaderState.StartMap:
                {
                    reader.ReadStartMap();
                    var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                    while (reader.PeekState() != CborReaderState.EndMap)
                    {
                        var key = Read(reader, depth + 1, ref items);
                        var keyText = key switch
                        {
                            string s => s,
                            long n => n.ToString(CultureInfo.InvariantCulture),
                            _ => throw new C2paFormatException("CBOR map key is neither text nor integer"),
                        };
                        map[keyText] = Read(reader, depth + 1, ref items);
                    }
                    reader.ReadEndMap();
                    return map;
                }
            case CborReaderState.Tag:
                reader.ReadTag();
                return Read(reader, depth + 1, ref items);
            case CborReaderState.Boolean:
                return reader.ReadBoolean();
            case CborReaderState.Null:
                reader.ReadNull();
                return null;
            case CborReaderState.SimpleValue:
                reader.SkipValue();
                return null;
            case CborReaderState.HalfPrecisionFloat:
            case CborReaderState.SinglePrecisionFloat:
            case CborReaderState.DoublePrecisionFloat:
                return reader.ReadDouble();
            default:
                throw new C2paFormatException($"unexpected CBOR item {reader.PeekState()}");
        }
    }

    public static string? Text(this IReadOnlyDictionary<string, object?> map, string key) => map.TryGetValue(key, out var v) ? v as string : null;

    public static IReadOnlyDictionary<string, object?>? Map(this IReadOnlyDictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var v) ? v as Dictionary<string, object?> : null;

    public static IReadOnlyList<object?> List(this IReadOnlyDictionary<string, object?> map, string key) =>
        map.TryGetValue(key, out var v) && v is List<object?> l ? l : [];

    public static byte[]? Bytes(this IReadOnlyDictionary<string, object?> map, string key) => map.TryGetValue(key, out var v) ? v as byte[] : null;

    public static long? Integer(this IReadOnlyDictionary<string, object?> map, string key) => map.TryGetValue(key, out var v) && v is long n ? n : null;
}
