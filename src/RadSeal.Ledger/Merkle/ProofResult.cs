namespace RadSeal.Ledger.Merkle;

/// <summary>Why a proof did not check out. A failed proof is an answer, not an exception.</summary>
public enum ProofFailure
{
    /// <summary>The proof holds.</summary>
    None,

    /// <summary>The sizes or the index make no proof possible (index ≥ size, size1 &gt; size2, size ≤ 0).</summary>
    InvalidArguments,

    /// <summary>The proof has too few or too many hashes for the tree sizes it claims.</summary>
    WrongProofLength,

    /// <summary>The proof leads to a root other than the expected one.</summary>
    RootMismatch,

    /// <summary>A consistency proof does not reproduce the older root it starts from.</summary>
    FirstRootMismatch,
}

/// <summary>
/// The outcome of computing or checking a proof: on success <see cref="Root"/> is the root the proof implies; on failure
/// <see cref="Message"/> says why (with both roots where they differ, for diagnosis).
/// </summary>
public readonly record struct ProofResult(ProofFailure Failure, Hash Root, string Message)
{
    /// <summary>True when the proof holds.</summary>
    public bool IsValid => Failure == ProofFailure.None;

    internal static ProofResult Valid(Hash root) => new(ProofFailure.None, root, "valid");

    internal static ProofResult Fail(ProofFailure failure, string message) => new(failure, default, message);
}
