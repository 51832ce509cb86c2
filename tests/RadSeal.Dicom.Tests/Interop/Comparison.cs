using System.Text;

namespace RadSeal.Dicom.Tests.Interop;

/// <summary>Element-by-element comparison of RadSeal's reading of a file with pydicom's listing of it.</summary>
internal static class Comparison
{
    public static List<string> ReadsLikePydicom(DicomFile file, PyFile py)
    {
        var problems = new List<string>();
        var mine = RadSealListing.List(file).ToDictionary(e => e.Path, StringComparer.Ordinal);
        var theirs = py.Elements.ToDictionary(e => e.Path, StringComparer.Ordinal);

        // An explicit UN of defined length whose tag the dictionary knows as a sequence: pydicom converts it to SQ
        // (config.replace_un_with_known_vr); RadSeal keeps the UN value bytes as read. PS3.5 6.2.2 Note 2: such a value
        // is the element encoded in Implicit VR Little Endian. Check that those bytes hold the same items by reading
        // them as that.
        foreach (var p in py.Elements.Where(p => p.VR == "SQ" && p.RawVR == "UN"))
        {
            if (mine.TryGetValue(p.Path, out var r) && r.Item is DicomElement { VR.Code: "UN" } un)
            {
                foreach (var child in ReadUnknownAsImplicit(un, r.Owner))
                {
                    // The first is the element itself, now a sequence; its path is the tag alone.
                    mine[p.Path + child.Path[8..]] = child with { Path = p.Path + child.Path[8..], FromUnknown = true };
                }
            }
        }

        foreach (var missing in theirs.Keys.Except(mine.Keys).Order(StringComparer.Ordinal))
        {
            problems.Add($"{missing}: pydicom has it, RadSeal does not");
        }
        foreach (var extra in mine.Keys.Except(theirs.Keys).Order(StringComparer.Ordinal))
        {
            problems.Add($"{extra}: RadSeal has it, pydicom does not");
        }
        foreach (var (path, p) in theirs)
        {
            if (mine.TryGetValue(path, out var r))
            {
                CompareElement(r, p, problems);
            }
        }
        return problems;
    }

    private static void CompareElement(RsElement r, PyElement p, List<string> problems)
    {
        var path = r.Path;
        switch (r.Item)
        {
            case DicomSequence sq:
                if (p.VR != "SQ")
                {
                    problems.Add($"{path}: RadSeal reads a sequence ({sq.VR}), pydicom a {p.VR} value");
                }
                else if (p.Items != sq.Items.Count)
                {
                    problems.Add($"{path}: {sq.Items.Count} items, pydicom {p.Items}");
                }
                CompareVR(r, p, problems);
                return;
            case DicomFragmentSequence f:
                if (p.Fragments is null)
                {
                    problems.Add($"{path}: RadSeal reads encapsulated fragments, pydicom a {p.VR} value");
                    return;
                }
                var offsets = f.GetBasicOffsets().Select(o => (long)o).ToList();
                if (!offsets.SequenceEqual(p.OffsetTable ?? []))
                {
                    problems.Add($"{path}: basic offset table [{string.Join(",", offsets)}], pydicom [{string.Join(",", p.OffsetTable ?? [])}]");
                }
                var frags = f.Fragments.Select(x => Hex(x.GetMemory().Span)).ToList();
                if (!frags.SequenceEqual(p.Fragments))
                {
                    problems.Add($"{path}: {frags.Count} fragments ({string.Join(",", frags.Select(x => x.Length / 2))} bytes), " +
                        $"pydicom {p.Fragments.Count} ({string.Join(",", p.Fragments.Select(x => x.Length / 2))} bytes)" +
                        (frags.Count == p.Fragments.Count ? "; contents differ" : ""));
                }
                CompareVR(r, p, problems);
                return;
            case DicomElement e:
                if (p.VR == "SQ")
                {
                    problems.Add($"{path}: pydicom reads a sequence, RadSeal a {e.VR} value");
                    return;
                }
                var bytes = Hex(e.Value.GetMemory().Span);
                if (bytes != (p.Hex ?? ""))
                {
                    problems.Add($"{path}: value {Abbrev(bytes)}, pydicom {Abbrev(p.Hex ?? "")}");
                }
                if (e.IsLittleEndian != (p.LittleEndian ?? true))
                {
                    problems.Add($"{path}: RadSeal reads it {(e.IsLittleEndian ? "little" : "big")} endian, pydicom not");
                }
                CompareVR(r, p, problems);
                if (e.VR.IsString && p.Text is not null)
                {
                    var mineText = RadSealListing.NormaliseText([r.Owner.DecodeText(e)], e.VR.Code);
                    var theirText = RadSealListing.NormaliseText(p.Text, e.VR.Code);
                    if (!mineText.SequenceEqual(theirText))
                    {
                        problems.Add($"{path}: text [{string.Join("|", mineText)}], pydicom [{string.Join("|", theirText)}]");
                    }
                }
                return;
            default:
                problems.Add($"{path}: unknown item kind {r.Item.GetType().Name}");
                return;
        }
    }

    private static void CompareVR(RsElement r, PyElement p, List<string> problems)
    {
        var mine = r.Item.VR.Code;
        if (p.RawVR is { } inFile)
        {
            if (r.FromUnknown && inFile == "UN" && p.VR == mine)
            {
                // Read from the bytes of a UN element as pydicom does (see ReadsLikePydicom).
                return;
            }
            // Explicit VR: both must report the VR written in the file.
            if (mine != inFile)
            {
                problems.Add($"{r.Path}: VR {mine}, the file (per pydicom) says {inFile}");
            }
            return;
        }
        // Implicit VR: the VR is not in the file; both take it from a data dictionary.
        var theirs = p.VR ?? "";
        if (mine == theirs)
        {
            return;
        }
        if (theirs.Contains(" or ", StringComparison.Ordinal) && theirs.Split(" or ").Contains(mine))
        {
            // pydicom keeps the dictionary's alternatives ("US or SS", "OB or OW") where PS3.6 lists several VRs;
            // RadSeal picks one of them (PS3.5 A.1 c: OW for pixel data in implicit VR).
            return;
        }
        var tag = new DicomTag(p.Tag);
        if (tag.IsPrivate && mine == "UN")
        {
            // PS3.5 6.2.2 / 7.8: a private element's VR is not known in implicit VR; pydicom guesses it from its own
            // private dictionary, RadSeal keeps the value as UN (unknown), its bytes unchanged.
            return;
        }
        problems.Add($"{r.Path}: implicit VR taken as {mine}, pydicom {theirs}");
    }

    /// <summary>
    /// pydicom's listing of a file RadSeal wrote against its listing of the original: the same data set elements with
    /// the same values (decoded strings and numbers; other binary values in little-endian order). The meta group is
    /// left out (the writer stamps its syntax and identity there) and so are group length values, which depend on the
    /// encoding by definition (PS3.5 7.2): their presence is still compared.
    /// </summary>
    public static List<string> SameValues(PyFile original, PyFile written, TransferSyntax syntax)
    {
        var problems = new List<string>();
        var a = original.Elements.Where(e => !e.Path.StartsWith("0002", StringComparison.Ordinal)).ToDictionary(e => e.Path, StringComparer.Ordinal);
        var b = written.Elements.Where(e => !e.Path.StartsWith("0002", StringComparison.Ordinal)).ToDictionary(e => e.Path, StringComparer.Ordinal);
        foreach (var missing in a.Keys.Except(b.Keys).Order(StringComparer.Ordinal))
        {
            problems.Add($"{missing}: in the original, missing from the written file");
        }
        foreach (var extra in b.Keys.Except(a.Keys).Order(StringComparer.Ordinal))
        {
            problems.Add($"{extra}: in the written file, not in the original");
        }
        foreach (var (path, x) in a)
        {
            if (!b.TryGetValue(path, out var y) || (x.Tag & 0xFFFF) == 0)
            {
                continue;
            }
            if (x.Value != y.Value && y.LittleEndianHex == x.LittleEndianHex && y.LittleEndianHex is not null)
            {
                if (!syntax.IsExplicitVR && y.VR == "UN" && new DicomTag(x.Tag).IsPrivate)
                {
                    // Implicit VR: a private element's VR is not in the file and not in pydicom's private dictionary,
                    // so pydicom reads it back as UN (PS3.5 6.2.2, 7.8); the bytes are the original's.
                    continue;
                }
                if (!syntax.IsLittleEndian && y.RawVR == "UN")
                {
                    // A UN value is Little Endian whatever the syntax (PS3.5 6.2.2 Note 2: "encoded in Little Endian
                    // byte ordering with implicit VR encoding, irrespective of the current Transfer Syntax"), so RadSeal
                    // does not swap it. pydicom 2.3 replaces UN by the VR its private dictionary knows and then decodes
                    // the bytes in the file's byte order (big endian), e.g. AGFA (0019,1060) 1 -> 256.
                    continue;
                }
            }
            if (x.Value != y.Value)
            {
                problems.Add($"{path}: value {Abbrev(x.Value)} ({x.VR}), written {Abbrev(y.Value)} ({y.VR})");
            }
        }
        return problems;
    }

    /// <summary>
    /// The value of a UN element read as what PS3.5 6.2.2 says it is, the element in Implicit VR Little Endian; listed
    /// with paths relative to the element (the first entry is the element itself, its path the tag). The character
    /// set of the data set that held it is carried over, so that its strings decode as they did there.
    /// </summary>
    private static List<RsElement> ReadUnknownAsImplicit(DicomElement un, DicomDataSet owner)
    {
        var ds = new DicomDataSet();
        if (owner.FindElement(DicomTag.SpecificCharacterSet) is { } charset)
        {
            ds.Set(charset);
        }
        ds.Set(new DicomElement(un.Tag, DicomVR.UN, un.Value.GetMemory()));
        using var stream = new MemoryStream();
        new DicomFile(new DicomDataSet(), ds, TransferSyntax.ImplicitVRLittleEndian).Save(stream);
        stream.Position = 0;
        var back = DicomFile.Read(stream);
        return [.. RadSealListing.List(new DicomFile(new DicomDataSet(), back.DataSet, back.TransferSyntax))
            .Where(e => e.Path.StartsWith(un.Tag.Value.ToString("X8", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))];
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    private static string Abbrev(string hex) => hex.Length <= 80 ? $"'{hex}'" : $"'{hex[..80]}...' ({hex.Length / 2} bytes)";

    public static string Report(string name, List<string> problems)
    {
        var sb = new StringBuilder();
        sb.Append(name).Append(": ").Append(problems.Count).AppendLine(" difference(s):");
        foreach (var p in problems.Take(40))
        {
            sb.Append("  ").AppendLine(p);
        }
        if (problems.Count > 40)
        {
            sb.Append("  ... and ").Append(problems.Count - 40).AppendLine(" more");
        }
        return sb.ToString();
    }
}
