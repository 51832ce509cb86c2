using System.Text.Json;
using System.Text.Json.Serialization;

namespace RadSeal.Dicom.Tests.Interop;

/// <summary>
/// pydicom's view of files: one python process lists every element of every file given, at any depth, with the
/// raw value bytes as pydicom read them (captured from its RawDataElements), its decoded strings and a
/// byte-order-free "value" form used to compare files written in different transfer syntaxes.
/// </summary>
internal static class PydicomListing
{
    /// <summary>
    /// Reads paths from stdin, writes one JSON object per line to argv[1]. Per file: whether a plain dcmread succeeds,
    /// whether dcmread(force=True) succeeds, and the elements. Per element: p (path such as 00081140/0/00081150),
    /// rvr (the VR in the file; null for implicit VR), vr (pydicom's VR after conversion), len (the length field),
    /// short (the file ended before the value did), hex (raw value bytes in file byte order), lehex (the same in
    /// little-endian order, big-endian files only), txt (decoded strings of text VRs), n (items of a sequence),
    /// bot/frags (encapsulated pixel data), norm (decoded strings or numbers, or the item count: the value
    /// independent of byte order and VR encoding).
    /// </summary>
    public const string Script = """
import sys, json, warnings, traceback
warnings.simplefilter("ignore")
import pydicom
from pydicom import config, filereader, dcmread
from pydicom.dataelem import RawDataElement
from pydicom.multival import MultiValue
from pydicom.encaps import get_frame_offsets, generate_pixel_data_fragment
from pydicom.filebase import DicomBytesIO
from pydicom.dataset import FileDataset

TEXT = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}
NUMBERS = {"AT", "SS", "US", "FL", "SL", "UL", "FD", "SV", "UV"}
UNIT = {"AT": 2, "OW": 2, "SS": 2, "US": 2, "OF": 4, "OL": 4, "FL": 4, "SL": 4, "UL": 4,
        "OD": 8, "OV": 8, "FD": 8, "SV": 8, "UV": 8}

# Every raw element pydicom's generator yields, so the raw bytes of elements that pydicom converts eagerly
# (Specific Character Set, some meta elements) are still at hand.
RAW = {}
_generator = filereader.data_element_generator
DICOMDIR_CLASS = filereader.DicomDir


def _recording(*args, **kwargs):
    for r in _generator(*args, **kwargs):
        if isinstance(r, RawDataElement):
            RAW[(int(r.tag), r.value_tell)] = r
        yield r


filereader.data_element_generator = _recording


def swap(b, unit):
    if unit <= 1 or not b:
        return b
    n = len(b) - len(b) % unit
    return b"".join(b[i:i + unit][::-1] for i in range(0, n, unit)) + b[n:]


def texts(value):
    if value is None:
        return []
    if isinstance(value, (list, MultiValue)):
        return ["" if v is None else str(v) for v in value]
    s = str(value)
    return [] if s == "" else [s]


def walk(ds, prefix, out, file_le):
    for tag in sorted(ds.keys()):
        path = prefix + "%08X" % int(tag)
        item = ds.get_item(tag)
        raw = item if isinstance(item, RawDataElement) else RAW.get((int(tag), getattr(item, "file_tell", None)))
        rec = {"p": path}
        if raw is not None:
            rec["rvr"] = None if raw.is_implicit_VR else raw.VR
            rec["len"] = raw.length
            rec["le"] = raw.is_little_endian
            value = raw.value if raw.value is not None else b""
            if raw.length != 0xFFFFFFFF and len(value) < raw.length:
                rec["short"] = True
        else:
            value = None
        try:
            elem = ds[tag]
        except Exception as ex:  # conversion failed: list what was read
            rec["err"] = "%s: %s" % (type(ex).__name__, ex)
            rec["vr"] = raw.VR if raw is not None else None
            rec["hex"] = value.hex() if isinstance(value, bytes) else None
            out.append(rec)
            continue
        rec["vr"] = elem.VR
        if elem.VR == "SQ":
            rec["n"] = len(elem.value)
            rec["norm"] = "items:%d" % len(elem.value)
            out.append(rec)
            for i, it in enumerate(elem.value):
                walk(it, "%s/%d/" % (path, i), out, file_le)
            continue
        if int(tag) == 0x7FE00010 and raw is not None and raw.length == 0xFFFFFFFF:
            fp = DicomBytesIO(value)
            fp.is_little_endian = True
            has_bot, offsets = get_frame_offsets(fp)
            offsets = offsets if has_bot else []  # pydicom gives [0] for an empty table
            rec["bot"] = offsets
            rec["frags"] = [f.hex() for f in generate_pixel_data_fragment(fp)]
            out.append(rec)
            continue
        if isinstance(value, bytes):
            rec["hex"] = value.hex()
            # Big endian: the raw bytes in little-endian order too, swapped per the VR in the file (UN never is:
            # PS3.5 6.2.2 Note 2). Binary values without a decoded form are compared as these bytes.
            little = raw.is_little_endian if raw is not None else file_le
            if not little:
                rec["lehex"] = swap(value, UNIT.get(raw.VR if raw is not None and raw.VR else elem.VR, 1)).hex()
        if elem.VR in TEXT:
            rec["txt"] = texts(elem.value)
            rec["norm"] = rec["txt"]
        elif elem.VR in NUMBERS:
            # Values, not bytes: the numbers as pydicom decodes them (repr keeps NaN and -0.0 apart).
            v = elem.value
            rec["norm"] = [] if v is None or v == b"" else [repr(x) for x in (v if isinstance(v, (list, MultiValue)) else [v])]
        out.append(rec)


def listing(path):
    RAW.clear()
    result = {"path": path}
    try:
        dcmread(path)
        result["plain"] = True
    except Exception as ex:
        result["plain"] = False
        result["plainErr"] = "%s: %s" % (type(ex).__name__, ex)
    RAW.clear()
    # The listing reads a DICOMDIR as the plain data set it is: pydicom's DicomDir class also follows the record
    # offsets, which the plain dcmread above has already tried.
    filereader.DicomDir = FileDataset
    try:
        ds = dcmread(path, force=True)
    except Exception as ex:
        result["ok"] = False
        result["err"] = "%s: %s" % (type(ex).__name__, ex)
        return result
    finally:
        filereader.DicomDir = DICOMDIR_CLASS
    result["ok"] = True
    result["preamble"] = ds.preamble is not None
    result["le"] = ds.is_little_endian
    result["implicit"] = ds.is_implicit_VR
    elements = []
    try:
        if ds.file_meta is not None and len(ds.file_meta) > 0:
            walk(ds.file_meta, "", elements, True)
        walk(ds, "", elements, ds.is_little_endian)
    except Exception as ex:
        result["walkErr"] = "%s: %s\n%s" % (type(ex).__name__, ex, traceback.format_exc())
    result["elements"] = elements
    return result


def main():
    out = open(sys.argv[1], "w", encoding="utf-8") if len(sys.argv) > 1 else sys.stdout
    for line in sys.stdin:
        path = line.rstrip("\n")
        if path:
            out.write(json.dumps(listing(path)) + "\n")
    out.close()


main()
""";

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = false };

    /// <summary>Lists <paramref name="paths"/> in one python process; keyed by the path as given.</summary>
    public static Dictionary<string, PyFile> Run(IReadOnlyCollection<string> paths, string scratchDir)
    {
        var output = Path.Combine(scratchDir, "pydicom-listing.jsonl");
        var stdin = string.Join('\n', paths) + "\n";
        Peers.Run(Peers.Python, ["-c", Script, output], stdin, TimeSpan.FromMinutes(5)).EnsureSuccess("pydicom listing");
        var result = new Dictionary<string, PyFile>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(output))
        {
            var file = JsonSerializer.Deserialize<PyFile>(line, Json) ?? throw new InvalidDataException("Empty listing line");
            result[file.Path] = file;
        }
        return result;
    }
}

internal sealed class PyFile
{
    [JsonPropertyName("path")] public string Path { get; set; } = "";
    /// <summary>A plain dcmread (without force) succeeded.</summary>
    [JsonPropertyName("plain")] public bool Plain { get; set; }
    [JsonPropertyName("plainErr")] public string? PlainError { get; set; }
    /// <summary>dcmread(force=True) succeeded.</summary>
    [JsonPropertyName("ok")] public bool Ok { get; set; }
    [JsonPropertyName("err")] public string? Error { get; set; }
    [JsonPropertyName("walkErr")] public string? WalkError { get; set; }
    [JsonPropertyName("preamble")] public bool Preamble { get; set; }
    [JsonPropertyName("le")] public bool LittleEndian { get; set; }
    [JsonPropertyName("implicit")] public bool Implicit { get; set; }
    [JsonPropertyName("elements")] public List<PyElement> Elements { get; set; } = [];

    /// <summary>Some value ran past the end of the file: pydicom returned the short read without complaint.</summary>
    public bool Truncated => Elements.Any(e => e.Short);
}

internal sealed class PyElement
{
    [JsonPropertyName("p")] public string Path { get; set; } = "";
    [JsonPropertyName("rvr")] public string? RawVR { get; set; }
    [JsonPropertyName("vr")] public string? VR { get; set; }
    [JsonPropertyName("len")] public long? Length { get; set; }
    [JsonPropertyName("le")] public bool? LittleEndian { get; set; }
    [JsonPropertyName("short")] public bool Short { get; set; }
    [JsonPropertyName("err")] public string? Error { get; set; }
    [JsonPropertyName("hex")] public string? Hex { get; set; }
    [JsonPropertyName("lehex")] public string? SwappedHex { get; set; }
    [JsonPropertyName("n")] public int? Items { get; set; }
    [JsonPropertyName("bot")] public List<long>? OffsetTable { get; set; }
    [JsonPropertyName("frags")] public List<string>? Fragments { get; set; }
    [JsonPropertyName("txt")] public List<string>? Text { get; set; }
    [JsonPropertyName("norm")] public JsonElement? Norm { get; set; }

    /// <summary>The raw value bytes in little-endian order (swapped per the VR in the file; UN never).</summary>
    public string? LittleEndianHex => SwappedHex ?? Hex;

    /// <summary>
    /// The value whatever the syntax: decoded strings or numbers, the item count of a sequence, the offset table and
    /// fragments of encapsulated pixel data, else the value bytes in little-endian order.
    /// </summary>
    public string Value =>
        Norm is { } n ? n.GetRawText()
        : Fragments is not null ? $"bot:{string.Join(",", OffsetTable ?? [])} frags:{string.Join(",", Fragments)}"
        : $"bytes:{LittleEndianHex}";

    public uint Tag => Convert.ToUInt32(Path[^8..], 16);
}
