namespace RadSeal.Ledger.Checkpoints;

/// <summary>No signature on the note is from a key the reader trusts: the note's text must be ignored.</summary>
public sealed class UnverifiedNoteException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UnverifiedNoteException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public UnverifiedNoteException()
        : base("The note carries no signature from a trusted key.")
    {
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public UnverifiedNoteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A signature from a trusted key (matching name and key ID) does not verify: the note is forged or altered.</summary>
public sealed class InvalidSignatureException : Exception
{
    /// <summary>Creates the exception naming the key.</summary>
    public InvalidSignatureException(string keyName, uint keyId)
        : base($"The signature by '{keyName}' (key ID {keyId:x8}) does not verify: the note was altered or forged.")
    {
        KeyName = keyName;
        KeyId = keyId;
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public InvalidSignatureException()
        : base("A signature from a trusted key does not verify.")
    {
        KeyName = "";
    }

    /// <summary>Creates the exception with a message and an inner cause.</summary>
    public InvalidSignatureException(string message, Exception innerException)
        : base(message, innerException)
    {
        KeyName = "";
    }

    /// <summary>Creates the exception with a message.</summary>
    public InvalidSignatureException(string message)
        : base(message)
    {
        KeyName = "";
    }

    /// <summary>The key whose signature failed.</summary>
    public string KeyName { get; }

    /// <summary>Its key ID.</summary>
    public uint KeyId { get; }
}
