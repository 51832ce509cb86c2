using System.Globalization;
using System.Text.Json;

namespace RadSeal.Dicom;

/// <summary>
/// The DICOM JSON Model (PS3.18 Annex F): data set objects keyed by "GGGGEEEE", each with "vr" and "Value",
/// "InlineBinary" or "BulkDataURI".
/// </summary>
public static class DicomJson
{
    /// <summary>Writes <paramref name="dataSet"/> as one JSON object. Deferred values are referenced, not loaded.</summary>
    public static void Write(Utf8JsonWriter writer, DicomDataSet dataSet, DicomJsonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(dataSet);
        options ??= DicomJsonOptions.Default;
        writer.WriteStartObject();
        foreach (var item in dataSet)
        {
            if (item.Tag.Group == 0x0002 && !options.IncludeFileMeta)
            {
                continue;
            }
            writer.WritePropertyName(item.Tag.Value.ToString("X8", CultureInfo.InvariantCulture));
            writer.WriteStartObject();
            writer.WriteString("vr", item.VR.Code);
            switch (item)
            {
                case DicomSequence sq:
                    if (sq.Items.Count > 0)
                    {
                        writer.WriteStartArray("Value");
                        foreach (var child in sq.Items)
                        {
                            Write(writer, child, options);
                        }
                        writer.WriteEndArray();
                    }
                    break;
                case DicomFragmentSequence:
                    writer.WriteString("BulkDataURI", options.BulkDataUri ?? "");
                    break;
                case DicomElement e:
                    WriteElementValue(writer, dataSet, e, options);
                    break;
                default:
                    break;
            }
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    public static string Serialize(DicomDataSet dataSet, DicomJsonOptions? options = null, bool indented = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            Write(writer, dataSet, options);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteElementValue(Utf8JsonWriter writer, DicomDataSet dataSet, DicomElement e, DicomJsonOptions options)
    {
        if (e.Length == 0)
        {
            return;
        }
        var vr = e.VR;
        if (vr.Kind == VRKind.Bytes)
        {
            if (e.Value.IsDeferred)
            {
                writer.WriteString("BulkDataURI", options.BulkDataUri ?? "");
            }
            else
            {
                writer.WriteBase64String("InlineBinary", e.GetLittleEndianBytes().Span);
            }
            return;
        }
        writer.WriteStartArray("Value");
        switch (vr.Kind)
        {
            case VRKind.Number:
                WriteNumbers(writer, e);
                break;
            case VRKind.Tag:
                foreach (var t in DicomDataSet.GetTagsOf(e))
                {
                    writer.WriteStringValue(t.Value.ToString("X8", CultureInfo.InvariantCulture));
                }
                break;
            default:
                WriteStrings(writer, dataSet, e);
                break;
        }
        writer.WriteEndArray();
    }

    private static void WriteStrings(Utf8JsonWriter writer, DicomDataSet dataSet, DicomElement e)
    {
        var values = DicomText.SplitValues(dataSet.DecodeText(e), e.VR);
        foreach (var v in values)
        {
            if (v.Length == 0)
            {
                writer.WriteNullValue();
            }
            else if (e.VR == DicomVR.PN)
            {
                var pn = PersonName.Parse(v);
                writer.WriteStartObject();
                WriteIfAny(writer, "Alphabetic", pn.Alphabetic);
                WriteIfAny(writer, "Ideographic", pn.Ideographic);
                WriteIfAny(writer, "Phonetic", pn.Phonetic);
                writer.WriteEndObject();
            }
            else if (e.VR == DicomVR.IS && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
            {
                writer.WriteNumberValue(i);
            }
            else if (e.VR == DicomVR.DS && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
            {
                writer.WriteNumberValue(d);
            }
            else
            {
                // Not a valid number for IS/DS: kept as a string rather than lost.
                writer.WriteStringValue(v);
            }
        }
    }

    private static void WriteIfAny(Utf8JsonWriter writer, string name, string value)
    {
        if (value.Length > 0)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteNumbers(Utf8JsonWriter writer, DicomElement e)
    {
        var bytes = e.GetLittleEndianBytes().Span;
        var vr = e.VR;
        for (var at = 0; at + vr.UnitSize <= bytes.Length; at += vr.UnitSize)
        {
            var s = bytes[at..];
            if (vr == DicomVR.US) { writer.WriteNumberValue(BitConverter.ToUInt16(s)); }
            else if (vr == DicomVR.SS) { writer.WriteNumberValue(BitConverter.ToInt16(s)); }
            else if (vr == DicomVR.UL) { writer.WriteNumberValue(BitConverter.ToUInt32(s)); }
            else if (vr == DicomVR.SL) { writer.WriteNumberValue(BitConverter.ToInt32(s)); }
            else if (vr == DicomVR.SV) { writer.WriteNumberValue(BitConverter.ToInt64(s)); }
            else if (vr == DicomVR.UV) { writer.WriteNumberValue(BitConverter.ToUInt64(s)); }
            else if (vr == DicomVR.FL) { WriteFloat(writer, BitConverter.ToSingle(s)); }
            else { WriteFloat(writer, BitConverter.ToDouble(s)); }
        }
    }

    private static void WriteFloat(Utf8JsonWriter writer, double value)
    {
        // JSON has no NaN or infinity: PS3.18 F.2.3.1 leaves them out; a string keeps the information.
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }
}

/// <summary>Options for <see cref="DicomJson"/>.</summary>
public sealed record DicomJsonOptions
{
    public static DicomJsonOptions Default { get; } = new();

    /// <summary>Whether group 0002 elements found in the data set are written (PS3.18 leaves them out).</summary>
    public bool IncludeFileMeta { get; init; }

    /// <summary>The URI written for values not held in memory (deferred pixel data, fragments).</summary>
    public string? BulkDataUri { get; init; }
}
