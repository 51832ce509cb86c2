namespace RadSeal.Dicom.Networking;

/// <summary>
/// What the storage SCP does with a received instance. Called once per C-STORE, after the whole data set arrived.
/// </summary>
public interface IStoreHandler
{
    /// <summary>
    /// Handles one received instance. <paramref name="receivedFile"/> is a complete Part 10 file in the server's temp
    /// folder (meta group built from the association: transfer syntax, SOP class and instance, source AE). The
    /// handler may move it away (e.g. fsync and rename into a spool); whatever it leaves there is deleted afterwards.
    /// The returned status goes back to the sender; an exception becomes <see cref="DimseStatus.ProcessingFailure"/>.
    /// </summary>
    Task<DimseStatus> StoreAsync(StoreRequest request, string receivedFile, CancellationToken cancellationToken);
}

/// <summary>The C-STORE request as the association saw it.</summary>
/// <param name="CallingAe">The sender's AE title (calling AE of the association).</param>
/// <param name="CalledAe">The AE title the sender addressed.</param>
/// <param name="Remote">The peer's IP end point, as text.</param>
/// <param name="TransferSyntaxUid">The syntax of the presentation context the data set came in.</param>
/// <param name="MessageId">The request's Message ID (0000,0110).</param>
public sealed record StoreRequest(
    string CallingAe,
    string CalledAe,
    string Remote,
    string SopClassUid,
    string SopInstanceUid,
    string TransferSyntaxUid,
    ushort MessageId);
