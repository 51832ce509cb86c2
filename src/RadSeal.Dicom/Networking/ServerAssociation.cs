using System.Net.Sockets;

namespace RadSeal.Dicom.Networking;

/// <summary>
/// One association on the SCP side, from the A-ASSOCIATE-RQ to the release or abort (PS3.8 state machine, the
/// acceptor's part). Every way it ends other than a normal release produces exactly one log line.
/// </summary>
internal sealed class ServerAssociation : IDisposable
{
    /// <summary>The largest A-ASSOCIATE-RQ read: 128 contexts with a dozen syntaxes each fit many times over.</summary>
    private const uint MaxAssociateRequestLength = 1024 * 1024;

    private readonly DicomServerOptions options;
    private readonly IStoreHandler handler;
    private readonly string remote;
    private readonly string tempFolder;
    private readonly bool overLimit;
    private readonly Action<string> log;
    private readonly Dictionary<byte, PresentationContext> accepted = [];
    private string calling = "?";
    private string called = "?";
    private uint peerMaxPdu;

    // The message being received.
    private readonly MemoryStream commandBuffer = new();
    private byte commandContext;
    private DimseCommand? pendingStore;
    private byte pendingContext;
    private string? tempFile;
    private FileStream? dataFile;
    private long dataBytes;
    private long writeBackFrom;

    public ServerAssociation(DicomServerOptions options, IStoreHandler handler, string remote, string tempFolder, bool overLimit, Action<string> log)
    {
        this.options = options;
        this.handler = handler;
        this.remote = remote;
        this.tempFolder = tempFolder;
        this.overLimit = overLimit;
        this.log = log;
    }

    private string Who => $"DICOM association from {remote} ({calling} -> {called})";

    public async Task RunAsync(Stream network, CancellationToken stopping)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        Stream stream = network;
        PduChannel? channel = null;
        try
        {
            timer.CancelAfter(options.ArtimTimeout);
            if (options.Tls is { } tls)
            {
                stream = await DicomTls.ServerAsync(network, tls, timer.Token).ConfigureAwait(false);
            }
            channel = new PduChannel(stream);
            if (!await NegotiateAsync(channel, timer.Token).ConfigureAwait(false))
            {
                return;
            }
            while (true)
            {
                timer.CancelAfter(options.IdleTimeout);
                var (type, length) = await channel.ReadHeaderAsync(timer.Token).ConfigureAwait(false);
                switch (type)
                {
                    case PduType.PData:
                        if (length > (uint)options.MaxPduLength)
                        {
                            throw new DicomProtocolException($"A P-DATA-TF PDU claims {length} bytes, more than the {options.MaxPduLength} this server announced.", abortReason: 6);
                        }
                        await channel.ReadPdvsAsync(length, (pdv, data, end) => OnPdvAsync(channel, pdv, data, end, timer, stopping), timer.Token).ConfigureAwait(false);
                        break;
                    case PduType.ReleaseRequest:
                        await channel.ReadBodyAsync(type, length, 4, timer.Token).ConfigureAwait(false);
                        if (pendingStore is not null || commandBuffer.Length > 0)
                        {
                            log($"{Who}: released in the middle of a message; the partial data set was discarded.");
                        }
                        await channel.WriteAsync(Pdu.ReleaseResponse(), timer.Token).ConfigureAwait(false);
                        await WaitForCloseAsync(stream, stopping).ConfigureAwait(false);
                        return;
                    case PduType.Abort:
                        var abort = await channel.ReadBodyAsync(type, length, 4, timer.Token).ConfigureAwait(false);
                        log($"{Who}: aborted by the peer ({Pdu.DescribeAbort(abort)})" +
                            (pendingStore is not null ? "; the partial data set was deleted." : "."));
                        return;
                    default:
                        throw new DicomProtocolException($"Unexpected {type} PDU during the association.", abortReason: 2);
                }
            }
        }
        catch (DicomProtocolException ex)
        {
            log($"{Who}: aborted: {ex.Message}");
            await TrySendAsync(stream, Pdu.Abort(2, ex.AbortReason)).ConfigureAwait(false);
        }
        catch (DicomNetworkException ex)
        {
            log($"{Who}: aborted: {ex.Message}");
            await TrySendAsync(stream, Pdu.Abort(2, 0)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            log($"{Who}: aborted because the server is stopping.");
            await TrySendAsync(stream, Pdu.Abort(2, 0)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            var phase = accepted.Count == 0 && called == "?" ? $"no complete A-ASSOCIATE-RQ within the ARTIM timeout ({options.ArtimTimeout.TotalSeconds:0.###} s)"
                : $"no complete PDU within the idle timeout ({options.IdleTimeout.TotalSeconds:0.###} s)";
            log($"{Who}: aborted: {phase}.");
            await TrySendAsync(stream, Pdu.Abort(2, 0)).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            log($"{Who}: the peer closed the connection without a release" + (pendingStore is not null ? "; the partial data set was deleted." : "."));
        }
        catch (Exception ex) when (ex is IOException or SocketException or System.Security.Authentication.AuthenticationException)
        {
            log($"{Who}: connection lost: {ex.Message}" + (pendingStore is not null ? "; the partial data set was deleted." : ""));
        }
        finally
        {
            await DiscardPendingAsync().ConfigureAwait(false);
            channel?.Dispose();
            if (!ReferenceEquals(stream, network))
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads and answers the A-ASSOCIATE-RQ; false when the association was rejected.</summary>
    private async Task<bool> NegotiateAsync(PduChannel channel, CancellationToken token)
    {
        var (type, length) = await channel.ReadHeaderAsync(token).ConfigureAwait(false);
        if (type != PduType.AssociateRequest)
        {
            throw new DicomProtocolException($"The first PDU is {type}, not an A-ASSOCIATE-RQ.", abortReason: 2);
        }
        var body = await channel.ReadBodyAsync(type, length, MaxAssociateRequestLength, token).ConfigureAwait(false);
        AssociationPdu rq;
        try
        {
            rq = AssociationPdu.Decode(body, PduType.AssociateRequest);
        }
        catch (DicomNetworkException ex)
        {
            throw new DicomProtocolException("Malformed A-ASSOCIATE-RQ: " + ex.Message, abortReason: 6);
        }
        calling = rq.CallingAe;
        called = rq.CalledAe;
        peerMaxPdu = rq.MaxPduLength;

        (byte Result, byte Source, byte Reason)? reject = null;
        if ((body[0] << 8 | body[1]) is var version && (version & 1) == 0)
        {
            reject = (1, 2, 2);
        }
        else if (rq.ApplicationContextName != AssociationPdu.ApplicationContext)
        {
            reject = (1, 1, 2);
        }
        else if (options.RequireCalledAeTitle && !string.Equals(rq.CalledAe, options.AeTitle, StringComparison.Ordinal))
        {
            reject = (1, 1, 7);
        }
        else if (overLimit)
        {
            reject = (2, 3, 2);
        }
        if (reject is { } r)
        {
            log($"{Who}: rejected: {Pdu.DescribeReject(r.Result, r.Source, r.Reason)}" +
                (r.Reason == 7 && r.Source == 1 ? $"; this server is '{options.AeTitle}'." : r.Source == 3 ? $"; limit {options.MaxAssociations} associations." : "."));
            await channel.WriteAsync(Pdu.Reject(r.Result, r.Source, r.Reason), token).ConfigureAwait(false);
            await WaitForCloseAsync(channel.Stream, token).ConfigureAwait(false);
            return false;
        }

        var answers = new List<PresentationContext>();
        foreach (var pc in rq.Contexts)
        {
            var answer = Negotiate(pc);
            answers.Add(answer);
            if (answer.Result == 0)
            {
                accepted[pc.Id] = pc with { TransferSyntaxes = answer.TransferSyntaxes };
            }
        }
        var ac = new AssociationPdu(rq.CalledAe, rq.CallingAe, answers)
        {
            MaxPduLength = (uint)options.MaxPduLength,
            // One operation at a time each way: say so only when asked (absence already means 1/1).
            AsyncOperations = rq.AsyncOperations is null ? null : ((ushort)1, (ushort)1),
        };
        await channel.WriteAsync(ac.Encode(PduType.AssociateAccept), token).ConfigureAwait(false);
        return true;
    }

    private PresentationContext Negotiate(PresentationContext pc)
    {
        if (!options.SopClasses.Contains(pc.AbstractSyntax))
        {
            return new PresentationContext(pc.Id, pc.AbstractSyntax, [DicomUids.ImplicitVRLittleEndian]) { Result = 3 };
        }
        // The proposer's order wins among the syntaxes this server takes: a sender lists first the syntax its file is in,
        // and taking that keeps the data set as it was (no transcoding on the way).
        foreach (var ts in pc.TransferSyntaxes)
        {
            if (options.TransferSyntaxes.Contains(ts))
            {
                return new PresentationContext(pc.Id, pc.AbstractSyntax, [ts]) { Result = 0 };
            }
        }
        return new PresentationContext(pc.Id, pc.AbstractSyntax, [DicomUids.ImplicitVRLittleEndian]) { Result = 4 };
    }

    private async ValueTask OnPdvAsync(PduChannel channel, PdvHeader pdv, ReadOnlyMemory<byte> data, bool end, CancellationTokenSource timer, CancellationToken stopping)
    {
        if (!accepted.TryGetValue(pdv.ContextId, out var context))
        {
            throw new DicomProtocolException($"A PDV names presentation context {pdv.ContextId}, which was not accepted.", abortReason: 6);
        }
        if (pdv.IsCommand)
        {
            if (pendingStore is not null)
            {
                throw new DicomProtocolException("A command fragment arrived while a data set was expected.", abortReason: 2);
            }
            if (commandBuffer.Length > 0 && pdv.ContextId != commandContext)
            {
                throw new DicomProtocolException("Command fragments name different presentation contexts.", abortReason: 6);
            }
            if (commandBuffer.Length + data.Length > DimseCommand.MaxEncodedLength)
            {
                throw new DicomProtocolException($"The command set is longer than {DimseCommand.MaxEncodedLength} bytes.", abortReason: 6);
            }
            commandContext = pdv.ContextId;
            commandBuffer.Write(data.Span);
            if (end && pdv.IsLast)
            {
                var command = DimseCommand.Decode(commandBuffer.GetBuffer().AsMemory(0, (int)commandBuffer.Length));
                commandBuffer.SetLength(0);
                await OnCommandAsync(channel, context, command, timer.Token).ConfigureAwait(false);
            }
            return;
        }
        if (pendingStore is null || dataFile is null)
        {
            throw new DicomProtocolException("A data set fragment arrived without a command that announced one.", abortReason: 2);
        }
        if (pdv.ContextId != pendingContext)
        {
            throw new DicomProtocolException($"The data set arrives on context {pdv.ContextId}, its command on {pendingContext}.", abortReason: 6);
        }
        dataBytes += data.Length;
        if (dataBytes > options.MaxDataSetBytes)
        {
            throw new DicomNetworkException($"The data set of instance {pendingStore.AffectedSopInstanceUid} exceeds the limit of {options.MaxDataSetBytes} bytes.");
        }
        // Written inline: a write into the page cache takes microseconds, while FileStream's async path hands every
        // chunk to a thread-pool thread and back, two thread wake-ups per 64 KB (most of the receiver's futex calls).
        dataFile.Write(data.Span);
        if (options.EarlyWriteBack && dataBytes - writeBackFrom >= WriteBack.Chunk)
        {
            // From a little before the last start (FileStream may have held those bytes back) to the end of the file.
            WriteBack.Start(dataFile.SafeFileHandle, Math.Max(0, writeBackFrom - WriteBack.Overlap));
            writeBackFrom = dataBytes;
        }
        if (end && pdv.IsLast)
        {
            await CompleteStoreAsync(channel, context, timer, stopping).ConfigureAwait(false);
        }
    }

    private async Task OnCommandAsync(PduChannel channel, PresentationContext context, DimseCommand command, CancellationToken token)
    {
        switch (command.CommandField)
        {
            case DimseCommand.CEchoRequest:
                var echo = DimseCommand.Response(command, DimseStatus.Success);
                await channel.WriteCommandAsync(context.Id, echo, peerMaxPdu, token).ConfigureAwait(false);
                return;
            case DimseCommand.CStoreRequest when command.HasDataSet:
                pendingStore = command;
                pendingContext = context.Id;
                dataBytes = 0;
                writeBackFrom = 0;
                tempFile = Path.Combine(tempFolder, $"radseal-{Guid.NewGuid():N}.dcm");
                dataFile = new FileStream(tempFile, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: false);
                WriteMeta(dataFile, command, context);
                return;
            case DimseCommand.CStoreRequest:
                throw new DicomProtocolException("A C-STORE-RQ says no data set follows.", abortReason: 6);
            default:
                throw new DicomProtocolException($"DIMSE command 0x{command.CommandField:X4} is not supported by this storage SCP.", abortReason: 5);
        }
    }

    /// <summary>Preamble, "DICM" and a meta group made from what the association knows (PS3.10 7.1).</summary>
    private void WriteMeta(FileStream file, DimseCommand command, PresentationContext context)
    {
        var meta = new DicomDataSet();
        meta.SetValues(DicomTag.FileMetaInformationGroupLength, DicomVR.UL, 0u);
        meta.Set(new DicomElement(DicomTags.FileMetaInformationVersion, DicomVR.OB, new byte[] { 0, 1 }));
        meta.Set(DicomWriter.UidElement(DicomTags.MediaStorageSOPClassUID, command.AffectedSopClassUid));
        meta.Set(DicomWriter.UidElement(DicomTags.MediaStorageSOPInstanceUID, command.AffectedSopInstanceUid));
        meta.Set(DicomWriter.UidElement(DicomTag.TransferSyntaxUid, context.AcceptedTransferSyntax!));
        meta.Set(DicomWriter.UidElement(DicomTags.ImplementationClassUID, DicomUid.ImplementationClassUid));
        meta.Set(DicomWriter.TextElement(DicomTags.ImplementationVersionName, DicomVR.SH, DicomUid.ImplementationVersionName));
        if (calling.Length > 0)
        {
            meta.Set(DicomWriter.TextElement(DicomTags.SourceApplicationEntityTitle, DicomVR.AE, calling));
        }
        using var header = new MemoryStream();
        header.Write(new byte[128]);
        header.Write("DICM"u8);
        new DicomEncoder(header, TransferSyntax.ExplicitVRLittleEndian).WriteDataSet(meta);
        file.Write(header.GetBuffer().AsSpan(0, (int)header.Length));
    }

    private async Task CompleteStoreAsync(PduChannel channel, PresentationContext context, CancellationTokenSource timer, CancellationToken stopping)
    {
        var command = pendingStore!;
        var file = tempFile!;
        dataFile!.Flush();
        dataFile.Dispose();
        dataFile = null;
        pendingStore = null;
        tempFile = null;
        // The handler's time is not the peer's idle time.
        timer.CancelAfter(Timeout.InfiniteTimeSpan);
        DimseStatus status;
        string? comment = null;
        try
        {
            if (command.AffectedSopClassUid != context.AbstractSyntax)
            {
                status = DimseStatus.DataSetDoesNotMatchSopClass;
                comment = "SOP class differs from the presentation context";
            }
            else
            {
                var request = new StoreRequest(calling, called, remote, command.AffectedSopClassUid, command.AffectedSopInstanceUid,
                    context.AcceptedTransferSyntax!, command.MessageId);
                status = await handler.StoreAsync(request, file, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A handler fault is the sender's failure status, not the server's end.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            log($"{Who}: the store handler failed for {command.AffectedSopInstanceUid}: {ex.GetType().Name}: {ex.Message}");
            status = DimseStatus.ProcessingFailure;
            comment = "processing failure";
        }
        finally
        {
            TryDelete(file);
        }
        timer.CancelAfter(options.IdleTimeout);
        var response = DimseCommand.Response(command, status, comment);
        await channel.WriteCommandAsync(context.Id, response, peerMaxPdu, timer.Token).ConfigureAwait(false);
    }

    private async Task DiscardPendingAsync()
    {
        if (dataFile is { } f)
        {
            dataFile = null;
            await f.DisposeAsync().ConfigureAwait(false);
        }
        if (tempFile is { } t)
        {
            tempFile = null;
            TryDelete(t);
        }
        pendingStore = null;
    }

    public void Dispose()
    {
        commandBuffer.Dispose();
        dataFile?.Dispose();
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the temp folder is RadSeal's own; a leftover does no harm beyond space.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }

    /// <summary>After a release or reject the peer closes the connection; ARTIM bounds the wait (PS3.8 9.1.4).</summary>
    private async Task WaitForCloseAsync(Stream stream, CancellationToken stopping)
    {
        using var artim = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        artim.CancelAfter(options.ArtimTimeout);
        var one = new byte[1];
        try
        {
            while (await stream.ReadAsync(one, artim.Token).ConfigureAwait(false) > 0)
            {
                // Anything after the release is ignored; the connection is closing.
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
        {
            // Closing anyway.
        }
    }

    private static async Task TrySendAsync(Stream stream, byte[] pdu)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await stream.WriteAsync(pdu, cts.Token).ConfigureAwait(false);
            await stream.FlushAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException or NotSupportedException or InvalidOperationException)
        {
            // The connection may already be gone; the abort was a courtesy.
        }
    }
}
