using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using System.Security.Cryptography.X509Certificates;

namespace RadSeal.Forensics.C2pa;

/// <summary>One action from a manifest's actions assertion.</summary>
public sealed record C2paAction(string Action, string? DigitalSourceType, string? SoftwareAgent);

/// <summary>How a manifest's hard binding (c2pa.hash.data) compares with the file.</summary>
public enum HardBinding
{
    /// <summary>Only the active manifest binds to this file; an ingredient's binds to the file it came from.</summary>
    NotApplicable,
    Match,
    Mismatch,
    Absent,
}

/// <summary>What validation found about one manifest of the store.</summary>
public sealed record C2paManifestReport
{
    public required string Label { get; init; }
    public bool IsActive { get; init; }
    public string? ClaimGenerator { get; init; }
    public string? Signer { get; init; }

    /// <summary>The COSE algorithm, e.g. ES256.</summary>
    public string? Algorithm { get; init; }

    /// <summary>The claim signature verifies with the key of the certificate in the signature.</summary>
    public bool SignatureValid { get; init; }

    /// <summary>Why the signature did not verify, when it did not.</summary>
    public string? SignatureProblem { get; init; }

    /// <summary>The signer chains to a configured trust anchor (null: no anchors configured).</summary>
    public bool? Trusted { get; init; }

    public string? TrustProblem { get; init; }

    /// <summary>The ECDSA signature is DER-encoded rather than the raw r||s that COSE specifies (RFC 9053 §2.1).</summary>
    public bool DerEncodedSignature { get; init; }

    /// <summary>Assertions the claim lists whose hashes do not match, or that are missing.</summary>
    public IReadOnlyList<string> AssertionProblems { get; init; } = [];

    public HardBinding HardBinding { get; init; }

    public string? HardBindingDetail { get; init; }

    public IReadOnlyList<C2paAction> Actions { get; init; } = [];

    /// <summary>Labels of the manifests this manifest's ingredient assertions point at.</summary>
    public IReadOnlyList<string> IngredientManifests { get; init; } = [];

    /// <summary>The manifest is intact: signature valid, assertions match, and (when active) the binding matches.</summary>
    public bool Intact => SignatureValid && AssertionProblems.Count == 0 && HardBinding is HardBinding.Match or HardBinding.NotApplicable;
}

/// <summary>Parses a manifest store (JUMBF) and validates every manifest in it against the file it came from.</summary>
public static class C2paValidator
{
    /// <summary>The JUMBF content type of a C2PA manifest store (ISO/IEC 19566-5 UUID "c2pa").</summary>
    public static readonly Guid ManifestStoreType = new("63327061-0011-0010-8000-00aa00389b71");

    private static readonly string[] AiSourceTypes = ["trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "c2pa.trainedAlgorithmicData"];

    /// <summary>True when a digitalSourceType value says the content was made by a trained (generative) model.</summary>
    public static bool IsAiSourceType(string? digitalSourceType) =>
        digitalSourceType is not null && AiSourceTypes.Any(t => digitalSourceType.EndsWith(t, StringComparison.Ordinal));

    /// <summary>Validates every manifest of the store, the last one (the active manifest) against <paramref name="file"/>.</summary>
    public static IReadOnlyList<C2paManifestReport> Validate(ReadOnlyMemory<byte> jumbf, ReadOnlySpan<byte> file, X509Certificate2Collection? trust)
    {
        var store = JumbfBox.Parse(jumbf);
        if (!store.IsSuperBox || store.Label != "c2pa")
        {
            throw new C2paFormatException($"the outer JUMBF box is not a C2PA manifest store (label '{store.Label}')");
        }
        var manifests = store.Children.Where(c => c.IsSuperBox).ToArray();
        if (manifests.Length == 0)
        {
            throw new C2paFormatException("the manifest store holds no manifest");
        }
        var reports = new List<C2paManifestReport>(manifests.Length);
        for (var i = 0; i < manifests.Length; i++)
        {
            reports.Add(ValidateManifest(store, manifests[i], i == manifests.Length - 1, file, trust));
        }
        return reports;
    }

    private static C2paManifestReport ValidateManifest(JumbfBox store, JumbfBox manifest, bool active, ReadOnlySpan<byte> file, X509Certificate2Collection? trust)
    {
        var label = manifest.Label ?? "(unlabelled)";
        var claimBox = manifest.Child("c2pa.claim.v2") ?? manifest.Child("c2pa.claim")
            ?? throw new C2paFormatException($"manifest {label} has no claim");
        var claimBytes = (claimBox.ContentOfType("cbor") ?? throw new C2paFormatException($"manifest {label}: the claim has no CBOR box")).Payload;
        var claim = Cbor.Decode(claimBytes) as Dictionary<string, object?> ?? throw new C2paFormatException($"manifest {label}: the claim is not a CBOR map");
        var defaultAlg = claim.Text("alg") ?? "sha256";

        var report = new C2paManifestReport { Label = label, IsActive = active, ClaimGenerator = ClaimGenerator(claim) };
        report = VerifySignature(manifest, claimBytes, trust, report);

        var problems = new List<string>();
        var actions = new List<C2paAction>();
        var ingredients = new List<string>();
        var hardBinding = active ? HardBinding.Absent : HardBinding.NotApplicable;
        string? bindingDetail = null;
        var references = claim.List("created_assertions").Concat(claim.List("gathered_assertions")).Concat(claim.List("assertions"));
        foreach (var reference in references.OfType<Dictionary<string, object?>>())
        {
            var url = reference.Text("url") ?? "";
            var box = Resolve(store, manifest, url);
            if (box is null)
            {
                problems.Add($"{url}: the claim lists an assertion that is not in the manifest");
                continue;
            }
            if (!HashMatches(box.Payload.Span, reference.Bytes("hash"), reference.Text("alg") ?? defaultAlg))
            {
                problems.Add($"{url}: the assertion's hash does not match the claim");
                continue;
            }
            var assertionLabel = BaseLabel(box.Label ?? "");
            if (box.ContentOfType("cbor") is not { } content)
            {
                continue; // JSON and embedded-file assertions carry nothing the verdict reads
            }
            if (Cbor.Decode(content.Payload) is not Dictionary<string, object?> data)
            {
                continue;
            }
            switch (assertionLabel)
            {
                case "c2pa.actions" or "c2pa.actions.v2":
                    actions.AddRange(ReadActions(data));
                    break;
                case "c2pa.ingredient" or "c2pa.ingredient.v2" or "c2pa.ingredient.v3":
                    var target = (data.Map("activeManifest") ?? data.Map("c2pa_manifest"))?.Text("url");
                    if (target is not null && ManifestLabelOf(target) is { } ingredientLabel)
                    {
                        ingredients.Add(ingredientLabel);
                    }
                    break;
                case "c2pa.hash.data" when active:
                    (hardBinding, bindingDetail) = CheckDataHash(data, file, defaultAlg);
                    break;
            }
        }
        return report with
        {
            AssertionProblems = problems,
            Actions = actions,
            IngredientManifests = ingredients,
            HardBinding = hardBinding,
            HardBindingDetail = bindingDetail,
        };
    }

    private static string? ClaimGenerator(Dictionary<string, object?> claim)
    {
        var info = claim.TryGetValue("claim_generator_info", out var v) ? v : null;
        var first = info switch
        {
            Dictionary<string, object?> m => m,
            List<object?> l => l.OfType<Dictionary<string, object?>>().FirstOrDefault(),
            _ => null,
        };
        if (first?.Text("name") is { } name)
        {
            return first.Text("version") is { } version ? $"{name} {version}" : name;
        }
        return claim.Text("claim_generator");
    }

    private static IEnumerable<C2paAction> ReadActions(Dictionary<string, object?> data)
    {
        foreach (var a in data.List("actions").OfType<Dictionary<string, object?>>())
        {
            var agent = a.TryGetValue("softwareAgent", out var s) ? s switch
            {
                string text => text,
                Dictionary<string, object?> m => m.Text("name"),
                _ => null,
            } : null;
            yield return new C2paAction(a.Text("action") ?? "(none)", a.Text("digitalSourceType"), agent);
        }
    }

    /// <summary>Resolves a JUMBF URI (PS "self#jumbf=..."): absolute from the store, or relative to the manifest.</summary>
    private static JumbfBox? Resolve(JumbfBox store, JumbfBox manifest, string url)
    {
        const string prefix = "self#jumbf=";
        var path = url.StartsWith(prefix, StringComparison.Ordinal) ? url[prefix.Length..] : url;
        JumbfBox? box;
        string[] parts;
        if (path.StartsWith('/'))
        {
            parts = path.TrimStart('/').Split('/');
            if (parts.Length == 0 || parts[0] != store.Label)
            {
                return null;
            }
            box = store;
            parts = parts[1..];
        }
        else
        {
            box = manifest;
            parts = path.Split('/');
        }
        foreach (var part in parts)
        {
            box = box?.Child(part);
        }
        return box;
    }

    private static string? ManifestLabelOf(string url)
    {
        const string prefix = "self#jumbf=";
        var path = url.StartsWith(prefix, StringComparison.Ordinal) ? url[prefix.Length..] : url;
        var parts = path.TrimStart('/').Split('/');
        return parts.Length >= 2 && parts[0] == "c2pa" ? parts[1] : null;
    }

    /// <summary>Assertion labels may carry an instance suffix ("c2pa.actions__1").</summary>
    private static string BaseLabel(string label)
    {
        var i = label.IndexOf("__", StringComparison.Ordinal);
        return i < 0 ? label : label[..i];
    }

    private static HashAlgorithmName? Algorithm(string alg) => alg.ToLowerInvariant() switch
    {
        "sha256" or "sha-256" => HashAlgorithmName.SHA256,
        "sha384" or "sha-384" => HashAlgorithmName.SHA384,
        "sha512" or "sha-512" => HashAlgorithmName.SHA512,
        _ => null,
    };

    private static bool HashMatches(ReadOnlySpan<byte> data, byte[]? expected, string alg)
    {
        if (expected is null || Algorithm(alg) is not { } name)
        {
            return false;
        }
        using var hash = IncrementalHash.CreateHash(name);
        hash.AppendData(data);
        return CryptographicOperations.FixedTimeEquals(hash.GetHashAndReset(), expected);
    }

    /// <summary>c2pa.hash.data: a hash over the whole file except the listed byte ranges (which hold the manifest).</summary>
    private static (HardBinding, string) CheckDataHash(Dictionary<string, object?> data, ReadOnlySpan<byte> file, string defaultAlg)
    {
        var alg = data.Text("alg") ?? defaultAlg;
        if (Algorithm(alg) is not { } name)
        {
            return (HardBinding.Mismatch, $"the data hash uses an unsupported algorithm '{alg}'");
        }
        var expected = data.Bytes("hash");
        if (expected is null)
        {
            return (HardBinding.Mismatch, "the data hash assertion holds no hash");
        }
        var ranges = new List<(long Start, long Length)>();
        foreach (var e in data.List("exclusions").OfType<Dictionary<string, object?>>())
        {
            ranges.Add((e.Integer("start") ?? -1, e.Integer("length") ?? -1));
        }
        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        using var hash = IncrementalHash.CreateHash(name);
        long position = 0;
        foreach (var (start, length) in ranges)
        {
            if (start < position || length < 0 || start + length > file.Length)
            {
                return (HardBinding.Mismatch, $"the data hash excludes bytes {start}..{start + length}, which overlap or lie outside the {file.Length}-byte file");
            }
            hash.AppendData(file[(int)position..(int)start]);
            position = start + length;
        }
        hash.AppendData(file[(int)position..]);
        return CryptographicOperations.FixedTimeEquals(hash.GetHashAndReset(), expected)
            ? (HardBinding.Match, $"the file's bytes match the signed {alg} data hash")
            : (HardBinding.Mismatch, $"the file's bytes no longer match the signed {alg} data hash: the content changed after signing");
    }

    private static C2paManifestReport VerifySignature(JumbfBox manifest, ReadOnlyMemory<byte> claimBytes, X509Certificate2Collection? trust, C2paManifestReport report)
    {
        var signatureBox = manifest.Child("c2pa.signature")?.ContentOfType("cbor");
        if (signatureBox is null)
        {
            return report with { SignatureProblem = "the manifest has no claim signature" };
        }
        CoseSign1Message message;
        try
        {
            message = CoseMessage.DecodeSign1(signatureBox.Payload.Span);
        }
        catch (CryptographicException ex)
        {
            return report with { SignatureProblem = $"the claim signature is not a valid COSE_Sign1 structure: {ex.Message}" };
        }
        var algorithm = AlgorithmName(message);
        var chain = Certificates(message);
        if (chain.Count == 0)
        {
            return report with { Algorithm = algorithm, SignatureProblem = "the claim signature carries no certificate (x5chain)" };
        }
        var leaf = chain[0];
        report = report with
        {
            Algorithm = algorithm,
            Signer = leaf.GetNameInfo(X509NameType.SimpleName, false) is { Length: > 0 } cn ? $"{cn} ({leaf.Subject})" : leaf.Subject,
        };
        bool valid;
        try
        {
            using AsymmetricAlgorithm? key = (AsymmetricAlgorithm?)leaf.GetECDsaPublicKey() ?? leaf.GetRSAPublicKey();
            if (key is null)
            {
                return report with { SignatureProblem = $"the signer's key ({leaf.PublicKey.Oid.FriendlyName}) is not one this verifier supports (ECDSA, RSA)" };
            }
            valid = message.VerifyDetached(key, claimBytes.Span);
            if (!valid && key is ECDsa ecdsa && VerifyDerEcdsa(message, ecdsa, claimBytes.Span, algorithm))
            {
                valid = true;
                report = report with { DerEncodedSignature = true };
            }
        }
        catch (Exception ex) when (ex is CryptographicException or InvalidOperationException or ArgumentException)
        {
            return report with { SignatureProblem = $"the claim signature cannot be verified: {ex.Message}" };
        }
        if (!valid)
        {
            return report with { SignatureProblem = "the claim signature does not verify: the claim or its signature was altered" };
        }
        report = report with { SignatureValid = true };
        if (trust is null || trust.Count == 0)
        {
            return report;
        }
        using var x509 = new X509Chain();
        x509.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        x509.ChainPolicy.CustomTrustStore.AddRange(trust);
        x509.ChainPolicy.ExtraStore.AddRange(chain.Skip(1).ToArray());
        x509.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var trusted = x509.Build(leaf);
        return report with
        {
            Trusted = trusted,
            TrustProblem = trusted ? null : string.Join("; ", x509.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct()),
        };
    }

    /// <summary>
    /// Some signers (c2pa-ts among them) put a DER-encoded ECDSA signature into the COSE structure instead of the raw
    /// r||s value COSE specifies. The signature is still checked over the exact COSE Sig_structure; the report says
    /// how it was encoded.
    /// </summary>
    private static bool VerifyDerEcdsa(CoseSign1Message message, ECDsa key, ReadOnlySpan<byte> payload, string? algorithm)
    {
        var signature = message.Signature.Span;
        if (signature.Length < 8 || signature[0] != 0x30)
        {
            return false;
        }
        var hash = algorithm switch
        {
            "ES256" => HashAlgorithmName.SHA256,
            "ES384" => HashAlgorithmName.SHA384,
            "ES512" => HashAlgorithmName.SHA512,
            _ => (HashAlgorithmName?)null,
        };
        if (hash is null)
        {
            return false;
        }
        var writer = new CborWriter(CborConformanceMode.Lax);
        writer.WriteStartArray(4);
        writer.WriteTextString("Signature1");
        writer.WriteByteString(message.RawProtectedHeaders.Span);
        writer.WriteByteString([]);
        writer.WriteByteString(payload);
        writer.WriteEndArray();
        return key.VerifyData(writer.Encode(), signature, hash.Value, DSASignatureFormat.Rfc3279DerSequence);
    }

    private static string? AlgorithmName(CoseSign1Message message)
    {
        if (!message.ProtectedHeaders.TryGetValue(CoseHeaderLabel.Algorithm, out var value))
        {
            return null;
        }
        var reader = new CborReader(value.EncodedValue);
        if (reader.PeekState() is not (CborReaderState.NegativeInteger or CborReaderState.UnsignedInteger))
        {
            return null;
        }
        return reader.ReadInt32() switch
        {
            -7 => "ES256",
            -35 => "ES384",
            -36 => "ES512",
            -37 => "PS256",
            -38 => "PS384",
            -39 => "PS512",
            -8 => "EdDSA",
            var n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The x5chain header (label 33): one certificate, or an array with the signer first.</summary>
    private static List<X509Certificate2> Certificates(CoseSign1Message message)
    {
        var label = new CoseHeaderLabel(33);
        if (!message.ProtectedHeaders.TryGetValue(label, out var value) && !message.UnprotectedHeaders.TryGetValue(label, out value))
        {
            return [];
        }
        var certificates = new List<X509Certificate2>();
        try
        {
            var reader = new CborReader(value.EncodedValue);
            if (reader.PeekState() == CborReaderState.ByteString)
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(reader.ReadByteString()));
            }
            else
            {
                var count = reader.ReadStartArray();
                for (var i = 0; (count is null || i < count) && reader.PeekState() == CborReaderState.ByteString && i < 16; i++)
                {
                    certificates.Add(X509CertificateLoader.LoadCertificate(reader.ReadByteString()));
                }
            }
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or CryptographicException)
        {
            return certificates;
        }
        return certificates;
    }
}
