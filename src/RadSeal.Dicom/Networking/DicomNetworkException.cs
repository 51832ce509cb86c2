namespace RadSeal.Dicom.Networking;

/// <summary>A protocol fault: a malformed or unexpected PDU, a rejected or aborted association, a timeout.</summary>
public class DicomNetworkException : Exception
{
    public DicomNetworkException() { }

    public DicomNetworkException(string message) : base(message) { }

    public DicomNetworkException(string message, Exception inner) : base(message, inner) { }
}
