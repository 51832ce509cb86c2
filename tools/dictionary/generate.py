#!/usr/bin/python3
"""Generate RadSeal's DICOM data dictionary (tags, repeating groups, UIDs) as C# source.

Source
    pydicom's dictionaries ``_dicom_dict.py`` (DicomDictionary, RepeatersDictionary) and
    ``_uid_dict.py`` (UID_dictionary). pydicom generates those files from the DICOM standard's
    PS3.6 (and PS3.6 Annex A for UIDs); the standard edition they were made from is
    ``__dicom_version__`` in pydicom's ``_version.py``. The outputs committed in the repository
    were made from pydicom 2.3.1 (Debian package python3-pydicom), PS3.6 edition 2022a.
    The files are loaded by path, not by ``import pydicom``, so only the standard library is needed
    and any copy of pydicom's source tree can be used.

Outputs (committed; never edit them by hand)
    src/RadSeal.Dicom/Dictionary/DicomDictionary.g.cs  exact-tag and repeating-group tables
    src/RadSeal.Dicom/Dictionary/DicomTags.g.cs        a DicomTag field per public keyword
    src/RadSeal.Dicom/Dictionary/DicomUids.g.cs        a const per UID keyword, and the UID table

How to rerun (from the repository root)
    /usr/bin/python3 tools/dictionary/generate.py              # rewrite the three files
    /usr/bin/python3 tools/dictionary/generate.py --check      # exit 1 if they are out of date
    /usr/bin/python3 tools/dictionary/generate.py --pydicom-dir /path/to/pydicom
Output is deterministic: tags sorted by number, repeaters by mask, UIDs in ordinal order.

Next step
    Read the standard's own PS3.6 DocBook XML (part06.xml) directly once it can be obtained,
    as a second input next to --pydicom-dir, so that an edition newer than pydicom's can be used.
    The table format below stays the same.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "src" / "RadSeal.Dicom" / "Dictionary"
DEFAULT_PYDICOM_DIRS = [Path("/usr/lib/python3/dist-packages/pydicom")]

# VR codes that RadSeal.Dicom.DicomVR knows (DicomVR.All). "NONE" marks item and delimiter tags.
KNOWN_VRS = {
    "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV",
    "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV",
    "NONE",
}
# Shorthands some dictionary sources (dcmtk, older pydicom) use for ambiguous VRs.
VR_SHORTHANDS = {"ox": "OB or OW", "xs": "US or SS", "lt": "US or SS or OW"}

KEYWORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def find_pydicom_dir(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    spec = importlib.util.find_spec("pydicom")  # locates the package without importing it
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    for candidate in DEFAULT_PYDICOM_DIRS:
        if (candidate / "_dicom_dict.py").is_file():
            return candidate
    sys.exit("generate.py: pydicom not found; install python3-pydicom or pass --pydicom-dir")


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        sys.exit(f"generate.py: cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_versions(pydicom_dir: Path) -> tuple[str, str]:
    """(pydicom version, DICOM edition) read from _version.py without importing pydicom."""
    text = (pydicom_dir / "_version.py").read_text(encoding="utf-8")
    version = re.search(r"__version__\s*(?::\s*str\s*)?=\s*['\"]([^'\"]+)['\"]", text)
    edition = re.search(r"__dicom_version__\s*(?::\s*str\s*)?=\s*['\"]([^'\"]+)['\"]", text)
    if not version or not edition:
        sys.exit(f"generate.py: no __version__/__dicom_version__ in {pydicom_dir / '_version.py'}")
    return version.group(1), edition.group(1)


def normalize_vr(vr: str, where: str) -> str:
    vr = VR_SHORTHANDS.get(vr, vr)
    parts = vr.split(" or ")
    unknown = [p for p in parts if p not in KNOWN_VRS]
    if unknown:
        # A new VR in the standard needs DicomVR to learn it first; stop rather than emit UN silently.
        sys.exit(f"generate.py: {where}: unknown VR {vr!r}; add it to DicomVR and KNOWN_VRS")
    return vr


def check_field(value: str, where: str) -> str:
    if any(c in value for c in '|"\\') or value != value.strip():
        sys.exit(f"generate.py: {where}: field {value!r} cannot be stored in the table")
    if any(ord(c) > 126 or ord(c) < 32 for c in value):
        sys.exit(f"generate.py: {where}: field {value!r} is not printable ASCII")
    return value


def parse_mask(mask: str) -> tuple[int, int]:
    """'60xx3000' -> (value 0x60003000, bits 0xFF00FFFF): a tag matches when tag & bits == value."""
    if not re.fullmatch(r"[0-9A-Fa-fx]{8}", mask):
        sys.exit(f"generate.py: bad repeater mask {mask!r}")
    value = int(mask.replace("x", "0"), 16)
    bits = int("".join("0" if c == "x" else "F" for c in mask), 16)
    return value, bits


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def header(source: str, edition: str, what: str) -> list[str]:
    return [
        "// <auto-generated>",
        f"//   {what}",
        f"//   Source: {source}, generated from DICOM PS3.6 edition {edition}.",
        "//   Generated by tools/dictionary/generate.py; do not edit. To regenerate, run from the repo root:",
        "//     /usr/bin/python3 tools/dictionary/generate.py",
        "// </auto-generated>",
        "",
        "#nullable enable",
        "",
        "namespace RadSeal.Dicom;",
        "",
    ]


def u8_records(indent: str, records: list[str]) -> list[str]:
    """Records as one UTF-8 literal, a source line each: lives in the assembly image (no string heap, no code to JIT),
    and "..."u8 + "..."u8 keeps its bytes exact whatever line endings git gives the file, so offsets stay valid."""
    if not records:
        return [f'{indent}    ""u8;']
    lines = [f'{indent}    "{r}"u8 +' for r in records]
    lines[-1] = lines[-1][:-2] + ";"
    return lines


def number_span(name: str, ctype: str, values: list[int], hex_digits: int = 0, per_line: int = 8) -> list[str]:
    """A ReadOnlySpan<T> property over constant data (compiled to static data, no allocation)."""
    out = [f"    internal static ReadOnlySpan<{ctype}> {name} =>", "    ["]
    for i in range(0, len(values), per_line):
        chunk = values[i:i + per_line]
        cells = [f"0x{v:0{hex_digits}X}" if hex_digits else str(v) for v in chunk]
        out.append("        " + ", ".join(cells) + ",")
    out.append("    ];")
    return out


# Fibonacci hashing of the 32-bit tag; DicomDictionary.cs computes the same (unchecked uint arithmetic).
HASH_MULTIPLIER = 0x9E3779B1


def hash_slots(keys: list[int]) -> tuple[int, list[int]]:
    """An open-addressing table (linear probing) built here, so the C# side has nothing to build at startup:
    slot -> record number + 1, 0 = empty. Sized for a load of at most 1/2: ~1.2 probes for a hit, ~1.5 for a miss."""
    bits = 1
    while len(keys) > (1 << bits) // 2:
        bits += 1
    size = 1 << bits
    slots = [0] * size
    for index, key in enumerate(keys):
        slot = ((key * HASH_MULTIPLIER) & 0xFFFFFFFF) >> (32 - bits)
        while slots[slot]:
            slot = (slot + 1) & (size - 1)
        slots[slot] = index + 1
    return bits, slots


def starts_of(records: list[str]) -> list[int]:
    """Offsets of each record in the concatenated (ASCII) table, plus the end: record i is [starts[i], starts[i+1])."""
    starts = [0]
    for r in records:
        starts.append(starts[-1] + len(r.encode("ascii")))
    return starts


def generate(pydicom_dir: Path) -> dict[Path, str]:
    version, edition = read_versions(pydicom_dir)
    tags_module = load_module(pydicom_dir / "_dicom_dict.py", "radseal_pydicom_dicom_dict")
    uids_module = load_module(pydicom_dir / "_uid_dict.py", "radseal_pydicom_uid_dict")
    exact: dict[int, tuple[str, str, str, str, str]] = tags_module.DicomDictionary
    repeaters: dict[str, tuple[str, str, str, str, str]] = tags_module.RepeatersDictionary
    uids: dict[str, tuple[str, str, str, str, str]] = uids_module.UID_dictionary
    source = f"pydicom {version} (_dicom_dict.py, _uid_dict.py)"

    # ---- exact tags ----
    tag_lines: list[str] = []
    tag_keys: list[int] = []
    tag_fields: list[str] = []
    keywords: dict[str, str] = {}
    keyword_index: dict[str, int] = {}
    for tag in sorted(exact):
        vr, vm, name, retired, keyword = exact[tag]
        where = f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
        vr = normalize_vr(vr, where)
        for f in (vm, name, keyword):
            check_field(f, where)
        if keyword:
            if not KEYWORD_RE.match(keyword):
                sys.exit(f"generate.py: {where}: keyword {keyword!r} is not a C# identifier")
            if keyword in keywords:
                sys.exit(f"generate.py: keyword {keyword} used by {keywords[keyword]} and {where}")
            keywords[keyword] = where
        flag = "R" if retired else ""
        if keyword:
            keyword_index[keyword] = len(tag_lines)
        tag_keys.append(tag)
        tag_lines.append(f"{tag:08X}|{vr}|{vm}|{flag}|{keyword}|{name}")
        if keyword:
            note = f"{where} {name}, VR {vr}, VM {vm}" + (", retired" if retired else "") + "."
            tag_fields.append(f"    /// <summary>{xml_escape(note)}</summary>")
            # A property, not a static readonly field: 4,898 field initialisers make one huge static constructor
            # (~35 ms on first touch); a property costs nothing until used and inlines to a constant.
            tag_fields.append(
                f"    public static DicomTag {keyword} => new(0x{tag >> 16:04X}, 0x{tag & 0xFFFF:04X});")

    # ---- repeating groups ----
    rep_lines: list[str] = []
    rep_values: list[int] = []
    rep_bits: list[int] = []
    parsed_masks: list[tuple[str, int, int]] = []
    for mask in sorted(repeaters, key=lambda m: (m.upper().replace("X", "x"))):
        vr, vm, name, retired, keyword = repeaters[mask]
        vr = normalize_vr(vr, mask)
        for f in (vm, name, keyword):
            check_field(f, mask)
        value, bits = parse_mask(mask)
        for other, ovalue, obits in parsed_masks:
            if (value ^ ovalue) & bits & obits == 0:
                # Overlapping masks would make the lookup depend on table order.
                sys.exit(f"generate.py: repeater masks {other} and {mask} overlap")
        parsed_masks.append((mask, value, bits))
        rep_values.append(value)
        rep_bits.append(bits)
        flag = "R" if retired else ""
        rep_lines.append(f"{mask.upper().replace('X', 'x')}|{vr}|{vm}|{flag}|{keyword}|{name}")

    if len(tag_lines) > 0xFFFF:
        sys.exit("generate.py: more tags than a ushort index can hold")
    by_keyword = [keyword_index[k] for k in sorted(keyword_index)]  # str order is ordinal for ASCII
    hash_bits, tag_slots = hash_slots(tag_keys)

    dict_cs = header(source, edition, "Public data elements of the DICOM standard, exact tags and repeating groups.")
    dict_cs += [
        "internal static partial class DicomDictionaryData",
        "{",
        f'    internal const string Source = "{source}";',
        f'    internal const string Edition = "{edition}";',
        f"    internal const int TagCount = {len(tag_lines)};",
        f"    internal const int RepeaterCount = {len(rep_lines)};",
        f"    internal const uint TagHashMultiplier = 0x{HASH_MULTIPLIER:08X};",
        f"    internal const int TagHashBits = {hash_bits};",
        "",
        "    // Exact tags in tag order. Record i is TagRecords[TagStarts[i]..TagStarts[i + 1]], \"GGGGEEEE|VR|VM|R|Keyword|Name\":",
        "    // R when retired, else empty; VR as PS3.6 writes it (\"US or SS\", \"NONE\"); a few retired tags have no keyword.",
        *number_span("TagKeys", "uint", tag_keys, hex_digits=8),
        "",
        *number_span("TagStarts", "int", starts_of(tag_lines), per_line=12),
        "",
        "    // Hash table over TagKeys: slot (tag * TagHashMultiplier) >> (32 - TagHashBits), then linear probing;",
        "    // a slot holds record number + 1, 0 when empty.",
        *number_span("TagSlots", "ushort", tag_slots, per_line=16),
        "",
        "    // Record numbers in ordinal keyword order (tags without a keyword left out), for binary search by keyword.",
        *number_span("TagsByKeyword", "ushort", by_keyword, per_line=16),
        "",
        "    internal static ReadOnlySpan<byte> TagRecords =>",
        *u8_records("    ", tag_lines),
        "",
        "    // Repeating groups (PS3.6 \"xx\" notation): tag matches record i when (tag & RepeaterBits[i]) == RepeaterValues[i].",
        "    // Records as above, the mask in place of the tag; no two masks overlap (checked by the generator).",
        *number_span("RepeaterValues", "uint", rep_values, hex_digits=8),
        "",
        *number_span("RepeaterBits", "uint", rep_bits, hex_digits=8),
        "",
        *number_span("RepeaterStarts", "int", starts_of(rep_lines), per_line=12),
        "",
        "    internal static ReadOnlySpan<byte> RepeaterRecords =>",
        *u8_records("    ", rep_lines),
        "}",
    ]

    tags_cs = header(source, edition, "A DicomTag for every keyword of a public, non-repeating data element (retired ones too).")
    tags_cs += [
        "public static partial class DicomTags",
        "{",
        *tag_fields,
        "}",
    ]

    # ---- UIDs ----
    uid_lines: list[str] = []
    uid_consts: list[str] = []
    uid_keywords: dict[str, str] = {}
    for uid in sorted(uids):  # ordinal order, for binary search
        name, kind, _info, retired, keyword = uids[uid]
        for f in (uid, name, kind, keyword):
            check_field(f, uid)
        if keyword:
            if not KEYWORD_RE.match(keyword) or keyword == "Lookup":
                sys.exit(f"generate.py: UID {uid}: keyword {keyword!r} is not usable as a C# member")
            if keyword in uid_keywords:
                sys.exit(f"generate.py: UID keyword {keyword} used by {uid_keywords[keyword]} and {uid}")
            uid_keywords[keyword] = uid
            note = f"{name} ({kind})" + (", retired" if retired else "") + "."
            uid_consts.append(f"    /// <summary>{xml_escape(note)}</summary>")
            uid_consts.append(f'    public const string {keyword} = "{uid}";')
        flag = "R" if retired else ""
        uid_lines.append(f"{uid}|{kind}|{flag}|{keyword}|{name}")

    uids_cs = header(source, edition, "Registered DICOM UIDs (PS3.6 Annex A): transfer syntaxes, SOP classes and the rest.")
    uids_cs += [
        "public static partial class DicomUids",
        "{",
        f"    internal const int UidCount = {len(uid_lines)};",
        "",
        *uid_consts,
        "",
        "    // UIDs in ordinal order. Record i is UidRecords[UidStarts[i]..UidStarts[i + 1]], \"UID|Type|R|Keyword|Name\"",
        "    // (R when retired, else empty; a few retired UIDs have no keyword or name).",
        *number_span("UidStarts", "int", starts_of(uid_lines), per_line=12),
        "",
        "    internal static ReadOnlySpan<byte> UidRecords =>",
        *u8_records("    ", uid_lines),
        "}",
    ]

    return {
        OUT_DIR / "DicomDictionary.g.cs": "\n".join(dict_cs) + "\n",
        OUT_DIR / "DicomTags.g.cs": "\n".join(tags_cs) + "\n",
        OUT_DIR / "DicomUids.g.cs": "\n".join(uids_cs) + "\n",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pydicom-dir", help="folder holding pydicom's _dicom_dict.py, _uid_dict.py and _version.py")
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    args = parser.parse_args()

    outputs = generate(find_pydicom_dir(args.pydicom_dir))
    stale = []
    for path, text in outputs.items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            # newline="\n": identical bytes on every OS, so --check and git diffs stay quiet.
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
    rel = [os.path.relpath(p, REPO_ROOT) for p in stale]
    if args.check:
        if rel:
            print("out of date: " + ", ".join(rel), file=sys.stderr)
            return 1
        print("dictionary files are up to date")
        return 0
    print("wrote: " + ", ".join(rel) if rel else "dictionary files already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
