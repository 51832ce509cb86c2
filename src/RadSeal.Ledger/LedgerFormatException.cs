namespace RadSeal.Ledger;

/// <summary>Text or bytes that claim to be a ledger format (note, key, checkpoint, tile path, entry) and are not.</summary>
public class LedgerFormatException : FormatException
{
    /// <summary>Creates the exception with a message that says what is wrong and where.</summary>
    public LedgerFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public LedgerFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public LedgerFormatException()
    {
    }
}
