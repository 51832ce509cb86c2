using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Dicom;

namespace RadSeal.Provenance.Signatures;

/// <summary>
/// One Digital Signatures Sequence (FFFA,FFFA) item as found in a data set, with its MAC Parameters Sequence
/// (4FFE,0001) item (linked by MAC ID Number) and the data set or sequence item it signs. Read-only: parsing never
/// judges; <see cref="SignatureCheck"/> and the verification policy do.
/// </summary>
public sealed class DicomSignature
{
    internal DicomSignature(DicomDataSet container, DicomDataSet signatureItem, string location, bool inOriginalAttributes)
    {
        Container = container;
        SignatureItem = signatureItem;
        Location = location;
        InOriginalAttributes = inOriginalAttributes;
        MacId = signatureItem.GetValue<ushort>(DicomTags.MACIDNumber);
        if (MacId is { } id)
        {
            MacParameters = container.FindSequence(DicomTags.MACParametersSequence)?.Items
                .FirstOrDefault(p => p.GetValue<ushort>(DicomTags.MACIDNumber) == id);
        }
        Uid = signatureItem.GetString(DicomTags.DigitalSignatureUID);
        DateTimeText = signatureItem.GetString(DicomTags.DigitalSignatureDateTime);
        if (DicomDateTime.TryParseDateTime(DateTimeText, out var dt, out var hasOffset))
        {
            DateTime = dt;
            DateTimeHasOffset = hasOffset;
        }
        CertificateType = signatureItem.GetString(DicomTags.CertificateType);
        CertificateBytes = signatureItem.FindElement(DicomTags.CertificateOfSigner)?.Value.GetMemory() ?? ReadOnlyMemory<byte>.Empty;
        SignatureBytes = signatureItem.FindElement(DicomTags.Signature)?.Value.GetMemory() ?? ReadOnlyMemory<byte>.Empty;
        TimestampType = signatureItem.GetString(DicomTags.CertifiedTimestampType);
        TimestampBytes = signatureItem.FindElement(DicomTags.CertifiedTimestamp)?.Value.GetMemory();
        if (MacParameters is not null)
        {
            MacAlgorithmTerm = MacParameters.GetString(DicomTags.MACAlgorithm);
            MacSyntaxUid = MacParameters.GetString(DicomTags.MACCalculationTransferSyntaxUID);
            var signed = MacParameters.FindElement(DicomTags.DataElementsSigned);
            SignedTags = signed is { } e && e.VR == DicomVR.AT ? MacParameters.GetTags(DicomTags.DataElementsSigned) : [];
        }
        PurposeCodes = signatureItem.FindSequence(DicomTags.DigitalSignaturePurposeCodeSequence)?.Items
            .Select(i => i.GetString(DicomTags.CodeMeaning) ?? i.GetString(DicomTags.CodeValue) ?? "").ToArray() ?? [];
    }

    /// <summary>The data set (top level or sequence item) that holds the signature and that it signs.</summary>
    public DicomDataSet Container { get; }

    public DicomDataSet SignatureItem { get; }

    /// <summary>The (4FFE,0001) item with the same MAC ID Number, or null when there is none (a broken signature).</summary>
    public DicomDataSet? MacParameters { get; }

    /// <summary>Where the signature sits: "Main Dataset" or a path like "ReferencedSeriesSequence[0]".</summary>
    public string Location { get; }

    public bool IsTopLevel => Container.Parent is null;

    /// <summary>Inside Original Attributes Sequence (0400,0561): a signature of an earlier state, never trusted.</summary>
    public bool InOriginalAttributes { get; }

    public ushort? MacId { get; }
    public string? Uid { get; }
    public string? DateTimeText { get; }
    public DateTimeOffset? DateTime { get; }
    public bool DateTimeHasOffset { get; }
    public string? CertificateType { get; }
    public ReadOnlyMemory<byte> CertificateBytes { get; }
    public ReadOnlyMemory<byte> SignatureBytes { get; }
    public string? TimestampType { get; }
    public ReadOnlyMemory<byte>? TimestampBytes { get; }
    public string? MacAlgorithmTerm { get; }
    public string? MacSyntaxUid { get; }
    public IReadOnlyList<DicomTag> SignedTags { get; } = [];
    public IReadOnlyList<string> PurposeCodes { get; }

    public MacAlgorithm? MacAlgorithm => MacAlgorithm.FromTerm(MacAlgorithmTerm);

    /// <summary>
    /// The signer's certificate, or null when the bytes are not an X.509 certificate. The instance is reused for other
    /// signatures by the same certificate on this thread (parsed once): do not dispose it, and do not hand it to another
    /// thread that uses it while this one may.
    /// </summary>
    public X509Certificate2? TryGetCertificate() => SignerCertificates.TryLoad(CertificateBytes.Span);

    /// <summary>
    /// The signature value without the pad byte an odd-length DER ECDSA signature gets to reach even length (DCMTK
    /// adjustASN1SequenceLength); RSA values are returned whole (one in 256 begins with 0x30 and must not be cut).
    /// This is also what a certified time-stamp covers.
    /// </summary>
    public ReadOnlyMemory<byte> UnpaddedSignature
    {
        get
        {
            var s = SignatureBytes;
            isEcdsa ??= TryGetCertificate() is { } c && SignatureKey.AlgorithmOf(c) == SignerKeyAlgorithm.Ecdsa;
            if (isEcdsa.Value && s.Length >= 2 && s.Span[0] == 0x30 && TryDerLength(s.Span, out var total) && total < s.Length)
            {
                return s[..total];
            }
            return s;
        }
    }

    private bool? isEcdsa;

    private static bool TryDerLength(ReadOnlySpan<byte> der, out int total)
    {
        total = 0;
        int first = der[1];
        if (first < 0x80)
        {
            total = 2 + first;
            return true;
        }
        var count = first & 0x7F;
        if (count is 0 or > 3 || der.Length < 2 + count)
        {
            return false;
        }
        var length = 0;
        for (var i = 0; i < count; i++)
        {
            length = (length << 8) | der[2 + i];
        }
        total = 2 + count + length;
        return true;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Location} MAC ID {MacId} {MacAlgorithmTerm} {Uid}");
}

/// <summary>Finds every digital signature in a data set, at any depth.</summary>
public static class DicomSignatures
{
    public const string MainDataset = "Main Dataset";

    /// <summary>
    /// Every (FFFA,FFFA) item in <paramref name="dataSet"/> and in all its sequence items, in data-set order. Signatures
    /// inside Original Attributes Sequence are included but marked, so a report can show them without trusting them.
    /// </summary>
    public static IReadOnlyList<DicomSignature> Find(DicomDataSet dataSet)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        var found = new List<DicomSignature>();
        Walk(dataSet, MainDataset, false, found, depth: 0);
        return found;
    }

    private static void Walk(DicomDataSet dataSet, string path, bool inOriginal, List<DicomSignature> found, int depth)
    {
        // The reader bounds nesting already; this bound keeps a hand-built data set from recursing without limit.
        if (depth > 256)
        {
            return;
        }
        if (dataSet.FindSequence(DicomTags.DigitalSignaturesSequence) is { } signatures)
        {
            foreach (var item in signatures.Items)
            {
                found.Add(new DicomSignature(dataSet, item, path, inOriginal));
            }
        }
        foreach (var element in dataSet)
        {
            if (element is not DicomSequence sq || element.Tag == DicomTags.DigitalSignaturesSequence
                || element.Tag == DicomTags.MACParametersSequence)
            {
                continue;
            }
            var name = DicomDictionary.Lookup(sq.Tag)?.Keyword is { Length: > 0 } k ? k : sq.Tag.ToString();
            for (var i = 0; i < sq.Items.Count; i++)
            {
                var itemPath = (path == MainDataset ? "" : path + ".") + string.Create(CultureInfo.InvariantCulture, $"{name}[{i}]");
                Walk(sq.Items[i], itemPath, inOriginal || sq.Tag == DicomTags.OriginalAttributesSequence, found, depth + 1);
            }
        }
    }

    /// <summary>
    /// The sequence item an address like "ReferencedSeriesSequence[0].ReferencedInstanceSequence[1]" (keywords or
    /// (gggg,eeee) tags, as dcmsign's --sign-item takes them) names.
    /// </summary>
    public static DicomDataSet ResolveItem(DicomDataSet root, string address)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(address);
        var current = root;
        foreach (var part in address.Split('.', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var open = part.IndexOf('[', StringComparison.Ordinal);
            if (open <= 0 || !part.EndsWith(']') ||
                !int.TryParse(part[(open + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                throw new SigningException($"'{part}' is not of the form Keyword[n] in item address '{address}'.");
            }
            var tag = ParseTag(part[..open]);
            if (current.FindSequence(tag) is not { } sq)
            {
                throw new SigningException($"{part[..open]} is not a sequence in the data set (item address '{address}').");
            }
            if (index >= sq.Items.Count)
            {
                throw new SigningException($"{part[..open]} has {sq.Items.Count} items; there is no item {index}.");
            }
            current = sq.Items[index];
        }
        return current;
    }

    /// <summary>A tag by keyword ("PatientID") or number ("0010,0020", "(0010,0020)").</summary>
    public static DicomTag ParseTag(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (DicomDictionary.TryGetTag(text.Trim(), out var tag))
        {
            return tag;
        }
        try
        {
            return DicomTag.Parse(text);
        }
        catch (FormatException)
        {
            throw new SigningException($"'{text}' is neither a DICOM keyword nor a tag (gggg,eeee).");
        }
    }
}
