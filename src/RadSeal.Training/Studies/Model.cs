namespace RadSeal.Training.Studies;

/// <summary>What a case really is. "Synthetic" covers AI-generated, simulated and manipulated images alike.</summary>
public enum Truth
{
    Real,
    Synthetic,
}

/// <summary>The reader-study protocol's phases.</summary>
public enum PhaseKind
{
    /// <summary>Readers rate diagnostic quality and may flag "something looks wrong"; nobody tells them fakes exist.</summary>
    Blinded,

    /// <summary>Readers are told some images are synthetic and call each real or AI with a confidence of 1–5.</summary>
    Informed,

    /// <summary>As informed, then the truth, the explanation, the artefacts to look for and any detector heatmap.</summary>
    Training,
}

/// <summary>Account roles.</summary>
public enum Role
{
    Reader,
    Admin,
}

/// <summary>A user of the app. The password hash never leaves the store.</summary>
public sealed record User(long Id, string Username, string DisplayName, Role Role, string Experience);

/// <summary>A named collection of cases, with where its images come from and under which licence.</summary>
public sealed record CaseSet(long Id, string Name, string Source, int Cases);

/// <summary>One image of a case set. <see cref="Key"/> is the opaque handle readers see; names can give labels away.</summary>
public sealed record TrainingCase(
    long Id, string Key, long CaseSetId, string Name, Truth Truth, string Explanation, string Artefacts,
    int Width, int Height, int BitsStored, bool IsSigned, bool Monochrome1, double WindowCenter, double WindowWidth, string SourceFormat);

/// <summary>A study: cases drawn from case sets, read in phases.</summary>
public sealed record Study(long Id, string Name, IReadOnlyList<PhaseKind> Phases, DateTimeOffset Created);

/// <summary>A reader's place in a study: the seed and the reading order it produced, one order per phase.</summary>
public sealed record Enrolment(long StudyId, long UserId, long Seed, IReadOnlyList<IReadOnlyList<long>> Orders, DateTimeOffset Joined);

/// <summary>What a reader gives for one case in one phase.</summary>
/// <param name="Call">Informed/training phases: real or synthetic.</param>
/// <param name="Confidence">Informed/training phases: 1 (guessing) to 5 (certain).</param>
/// <param name="Quality">Blinded phase: diagnostic quality 1 (non-diagnostic) to 5 (excellent).</param>
/// <param name="Flagged">Blinded phase: "something looks wrong".</param>
/// <param name="ElapsedMs">Time from the image appearing to the answer, as the browser measured it.</param>
public sealed record AnswerInput(Truth? Call, int? Confidence, int? Quality, bool Flagged, long? ElapsedMs);

/// <summary>A stored answer with everything the metrics and the CSV export need.</summary>
public sealed record AnswerRecord(
    long ReaderId, string Reader, string Experience, int Phase, PhaseKind Kind, long CaseId, string CaseName, Truth Truth,
    Truth? Call, int? Confidence, int? Quality, bool Flagged, long? ElapsedMs, DateTimeOffset AnsweredAt)
{
    /// <summary>
    /// The call the metrics score. Informed and training phases: the reader's call. Blinded phase: a flag ("something
    /// looks wrong") counts as calling the image synthetic, no flag as calling it real — readers were not told fakes
    /// exist, so the flag is the only sign they noticed.
    /// </summary>
    public Truth EffectiveCall => Kind == PhaseKind.Blinded ? (Flagged ? Truth.Synthetic : Truth.Real) : Call ?? Truth.Real;

    /// <summary>True when <see cref="EffectiveCall"/> matches the truth.</summary>
    public bool Correct => EffectiveCall == Truth;

    /// <summary>
    /// The 10-point "how synthetic" rating an ROC is built from: a synthetic call at confidence c rates 5 + c (6..10),
    /// a real call 6 − c (1..5). Null in the blinded phase (no confidence is asked).
    /// </summary>
    public int? SyntheticRating => Kind == PhaseKind.Blinded || Call is null || Confidence is null ? null
        : Call == Truth.Synthetic ? 5 + Confidence.Value : 6 - Confidence.Value;
}

/// <summary>Experience levels readers choose from when they join (the subgroups of the metrics).</summary>
public static class Experience
{
    public static readonly IReadOnlyList<string> Levels = ["Student", "Resident", "Radiologist under 5 years", "Radiologist 5 years or more", "Other clinician", "Other"];
}
