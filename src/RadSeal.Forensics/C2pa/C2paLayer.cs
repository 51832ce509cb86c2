using System.Security.Cryptography.X509Certificates;

namespace RadSeal.Forensics.C2pa;

/// <summary>
/// Content Credentials (C2PA): reads the manifest store of a PNG or JPEG, verifies every manifest's COSE claim
/// signature and assertion hashes and the active manifest's hard binding, and reports who signed with what, the
/// actions and any AI declaration (digitalSourceType), in the active manifest or in an ingredient's.
/// </summary>
public sealed class C2paLayer(X509Certificate2Collection? trust) : IEvidenceLayer
{
    public string Name => LayerNames.C2pa;

    public Task<LayerResult> InspectAsync(Subject subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject.Kind is not (SubjectKind.Png or SubjectKind.Jpeg))
        {
            return Task.FromResult(LayerResult.NotChecked(Name, "C2PA_NOT_APPLICABLE", "C2PA not checked: manifests are read from PNG and JPEG files"));
        }
        IReadOnlyList<C2paManifestReport> manifests;
        try
        {
            var jumbf = ManifestLocator.Find(subject.Bytes, subject.Kind);
            if (jumbf is null)
            {
                return Task.FromResult(new LayerResult(Name, LayerOutcome.Inconclusive, [Finding.Info(Name, "C2PA_ABSENT", "the file carries no C2PA manifest")]));
            }
            manifests = C2paValidator.Validate(jumbf, subject.Bytes, trust);
        }
        catch (C2paFormatException ex)
        {
            return Task.FromResult(new LayerResult(Name, LayerOutcome.Suspicious,
                [Finding.Warn(Name, "C2PA_MALFORMED", $"the file carries a C2PA manifest store that cannot be read: {ex.Message}")]));
        }
        return Task.FromResult(Judge(manifests));
    }

    /// <summary>Findings and outcome from validated manifests (the last one is the active manifest).</summary>
    public LayerResult Judge(IReadOnlyList<C2paManifestReport> manifests)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        var findings = new List<Finding>();
        var tampered = false;
        var declaredAi = false;
        var active = manifests[^1];
        foreach (var m in manifests.Reverse())
        {
            var role = m.IsActive ? "active manifest" : active.IngredientManifests.Contains(m.Label) ? "ingredient manifest" : "earlier manifest";
            findings.Add(Finding.Info(Name, "C2PA_MANIFEST",
                $"{role} {m.Label}: claim generator {m.ClaimGenerator ?? "not named"}, signed by {m.Signer ?? "unknown"}{(m.Algorithm is null ? "" : $" ({m.Algorithm})")}" +
                (m.Actions.Count == 0 ? "" : "; actions: " + string.Join(", ", m.Actions.Select(a => a.DigitalSourceType is null ? a.Action : $"{a.Action} ({ShortSource(a.DigitalSourceType)})")))));
            if (m.DerEncodedSignature)
            {
                findings.Add(Finding.Info(Name, "C2PA_SIGNATURE_DER", $"{role} {m.Label}: the ECDSA claim signature verifies, but is DER-encoded rather than the raw r||s COSE specifies (RFC 9053 §2.1)"));
            }
            if (!m.SignatureValid)
            {
                findings.Add(Finding.Fail(Name, "C2PA_SIGNATURE_INVALID", $"{role} {m.Label}: {m.SignatureProblem}"));
                tampered = true;
            }
            foreach (var p in m.AssertionProblems)
            {
                findings.Add(Finding.Fail(Name, "C2PA_ASSERTION_MISMATCH", $"{role} {m.Label}: {p}"));
                tampered = true;
            }
            if (m.HardBinding == HardBinding.Mismatch)
            {
                findings.Add(Finding.Fail(Name, "C2PA_HARD_BINDING_MISMATCH", $"{role} {m.Label}: {m.HardBindingDetail}"));
                tampered = true;
            }
            else if (m.HardBinding == HardBinding.Absent)
            {
                findings.Add(Finding.Warn(Name, "C2PA_HARD_BINDING_ABSENT", $"{role} {m.Label}: no data hash binds the manifest to this file's bytes (only c2pa.hash.data is checked)"));
            }
            else if (m.HardBinding == HardBinding.Match)
            {
                findings.Add(Finding.Info(Name, "C2PA_HARD_BINDING_MATCH", $"{role} {m.Label}: {m.HardBindingDetail}"));
            }
            if (m.SignatureValid && m.Trusted is false)
            {
                findings.Add(Finding.Info(Name, "C2PA_SIGNER_UNTRUSTED", $"{role} {m.Label}: the signature verifies but the signer does not chain to a trusted C2PA anchor ({m.TrustProblem})"));
            }
            foreach (var a in m.Actions.Where(a => C2paValidator.IsAiSourceType(a.DigitalSourceType)))
            {
                findings.Add(Finding.Info(Name, "C2PA_DECLARED_AI",
                    $"{role} {m.Label} declares the content AI-generated: action {a.Action} with digitalSourceType {ShortSource(a.DigitalSourceType)}" +
                    (a.SoftwareAgent is null ? "" : $" by {a.SoftwareAgent}")));
                declaredAi = true;
            }
        }
        LayerOutcome outcome;
        if (tampered)
        {
            outcome = LayerOutcome.Tampered;
        }
        else if (declaredAi)
        {
            outcome = LayerOutcome.DeclaredAi;
        }
        else if (active.HardBinding == HardBinding.Match && active.Trusted is true && manifests.All(m => m.Trusted is true))
        {
            findings.Add(Finding.Info(Name, "C2PA_PROVEN", "every manifest verifies under a trusted C2PA signer and the file's bytes match the active manifest"));
            outcome = LayerOutcome.Proven;
        }
        else
        {
            if (active.Trusted is null)
            {
                findings.Add(Finding.Info(Name, "C2PA_TRUST_NOT_CHECKED", "the manifest verifies, but no C2PA trust anchors were given (--c2pa-trust): anyone can sign a manifest, so it proves nothing about the source"));
            }
            outcome = active.HardBinding == HardBinding.Absent ? LayerOutcome.Suspicious : LayerOutcome.Inconclusive;
        }
        return new LayerResult(Name, outcome, findings);
    }

    private static string? ShortSource(string? digitalSourceType) =>
        digitalSourceType is null ? null : digitalSourceType[(digitalSourceType.LastIndexOf('/') + 1)..];
}
