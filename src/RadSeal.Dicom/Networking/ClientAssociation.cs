using System.Net.Security;
using System.Net.Sockets;

namespace RadSeal.Dicom.Networking;

/// <summary>The requestor's side of one association (PS3.8): open, one DIMSE request at a time, release.</summary>
internal sealed class ClientAssociation : IAsyncDisposable
{
    private readonly TcpClient tcp;
    private readonly Stream stream;
    private readonly PduChannel channel;
    private readonly DicomClientOptions options;
    private readonly Dictionary<byte, PresentationContext> accepted;
    private readonly uint peerMaxPdu;
    private readonly string who;
    private ushort messageId;
    private bool closed;

    private ClientAssociation(TcpClient tcp, Stream stream, PduChannel channel, DicomClientOptions options, IReadOnlyList<PresentationContext> proposed, AssociationPdu ac, string who)
    {
        this.tcp = tcp;
        this.stream = stream;
        this.channel = channel;
        this.options = options;
        this.who = who;
        peerMaxPdu = ac.MaxPduLength;
        // Only what was proposed counts as accepted: a context answered with a syntax never offered for it is unusable.
        var offered = proposed.ToDictionary(c => c.Id);
        accepted = ac.Contexts
            .Where(c => c.Result == 0 && c.TransferSyntaxes.Count == 1
                && offered.TryGetValue(c.Id, out var p) && p.TransferSyntaxes.Contains(c.TransferSyntaxes[0]))
            .ToDictionary(c => c.Id, c => c with { AbstractSyntax = offered[c.Id].AbstractSyntax });
    }

    /// <summary>False once the association was aborted or a transfer broke off.</summary>
    public bool IsUsable { get; private set; } = true;

    public PresentationContext? Accepted(byte id) => accepted.GetValueOrDefault(id);

    public ushort NextMessageId() => ++messageId == 0 ? ++messageId : messageId;

    public static async Task<ClientAssociation> OpenAsync(DicomPeer peer, IReadOnlyList<PresentationContext> proposed, DicomClientOptions options, CancellationToken cancellationToken)
    {
        var who = $"{peer.CalledAe} at {peer.Host}:{peer.Port}";
        var tcp = new TcpClient { NoDelay = true };
        Stream? stream = null;
        PduChannel? channel = null;
        try
        {
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connect.CancelAfter(options.ConnectTimeout);
                try
                {
                    await tcp.ConnectAsync(peer.Host, peer.Port, connect.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new DicomNetworkException($"Could not connect to {who} within {options.ConnectTimeout.TotalSeconds:0.#} s.");
                }
                catch (SocketException ex)
                {
                    throw new DicomNetworkException($"Could not connect to {who}: {ex.Message}", ex);
                }
                stream = tcp.GetStream();
                if (options.Tls is { } tls)
                {
                    var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                    stream = ssl;
                    var client = tls.TargetHost is null ? CopyWithHost(tls, peer.Host) : tls;
                    await ssl.AuthenticateAsClientAsync(client, connect.Token).ConfigureAwait(false);
                }
            }
            channel = new PduChannel(stream);
            var rq = new AssociationPdu(peer.CalledAe, peer.CallingAe, proposed) { MaxPduLength = (uint)options.MaxPduLength };
            using var timer = Timer(options.ResponseTimeout, cancellationToken);
            await channel.WriteAsync(rq.Encode(PduType.AssociateRequest), timer.Token).ConfigureAwait(false);
            var (type, length) = await ReadHeaderAsync(channel, who, timer.Token, cancellationToken).ConfigureAwait(false);
            switch (type)
            {
                case PduType.AssociateAccept:
                    var body = await channel.ReadBodyAsync(type, length, 1024 * 1024, timer.Token).ConfigureAwait(false);
                    var ac = AssociationPdu.Decode(body, PduType.AssociateAccept);
                    return new ClientAssociation(tcp, stream, channel, options, proposed, ac, who);
                case PduType.AssociateReject:
                    var rj = await channel.ReadBodyAsync(type, length, 4, timer.Token).ConfigureAwait(false);
                    throw new DicomAssociationRejectedException(
                        $"{who} rejected the association: {(rj.Length == 4 ? Pdu.DescribeReject(rj[1], rj[2], rj[3]) : "malformed A-ASSOCIATE-RJ")}.");
                case PduType.Abort:
                    var ab = await channel.ReadBodyAsync(type, length, 4, timer.Token).ConfigureAwait(false);
                    throw new DicomNetworkException($"{who} aborted the association request: {Pdu.DescribeAbort(ab.Length == 4 ? ab[2] : (byte)0, ab.Length == 4 ? ab[3] : (byte)0)}.");
                default:
                    throw new DicomNetworkException($"{who} answered the A-ASSOCIATE-RQ with an unexpected {type} PDU.");
            }
        }
        catch (EndOfStreamException ex)
        {
            Close(channel, stream, tcp);
            throw new DicomNetworkException($"{who} closed the connection during association negotiation.", ex);
        }
        catch (IOException ex)
        {
            Close(channel, stream, tcp);
            throw new DicomNetworkException($"Connection to {who} failed: {ex.Message}", ex);
        }
        catch
        {
            Close(channel, stream, tcp);
            throw;
        }
    }

    private static SslClientAuthenticationOptions CopyWithHost(SslClientAuthenticationOptions tls, string host) => new()
    {
        TargetHost = host,
        ClientCertificates = tls.ClientCertificates,
        ClientCertificateContext = tls.ClientCertificateContext,
        RemoteCertificateValidationCallback = tls.RemoteCertificateValidationCallback,
        LocalCertificateSelectionCallback = tls.LocalCertificateSelectionCallback,
        EnabledSslProtocols = tls.EnabledSslProtocols,
        CertificateRevocationCheckMode = tls.CertificateRevocationCheckMode,
        CertificateChainPolicy = tls.CertificateChainPolicy,
        CipherSuitesPolicy = tls.CipherSuitesPolicy,
        EncryptionPolicy = tls.EncryptionPolicy,
        ApplicationProtocols = tls.ApplicationProtocols,
        AllowRenegotiation = tls.AllowRenegotiation,
    };

    private static void Close(PduChannel? channel, Stream? stream, TcpClient tcp)
    {
        channel?.Dispose();
        stream?.Dispose();
        tcp.Dispose();
    }

    private static CancellationTokenSource Timer(TimeSpan timeout, CancellationToken token)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        cts.CancelAfter(timeout);
        return cts;
    }

    private static async Task<(PduType, uint)> ReadHeaderAsync(PduChannel channel, string who, CancellationToken timer, CancellationToken caller)
    {
        try
        {
            return await channel.ReadHeaderAsync(timer).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested)
        {
            throw new DicomNetworkException($"{who} did not answer in time.");
        }
    }

    /// <summary>Sends a request (and its data set) and waits for the response on the same context.</summary>
    public async Task<DimseCommand> RequestAsync(byte contextId, DimseCommand request, OutgoingDataSet? dataSet, CancellationToken cancellationToken)
    {
        if (!IsUsable)
        {
            throw new DicomNetworkException($"The association with {who} is no longer usable.");
        }
        IsUsable = false;
        await channel.WriteCommandAsync(contextId, request, peerMaxPdu, cancellationToken).ConfigureAwait(false);
        if (dataSet is not null)
        {
            await SendDataSetAsync(contextId, dataSet, cancellationToken).ConfigureAwait(false);
        }
        using var timer = Timer(options.ResponseTimeout, cancellationToken);
        using var command = new MemoryStream();
        while (true)
        {
            var (type, length) = await ReadHeaderAsync(channel, who, timer.Token, cancellationToken).ConfigureAwait(false);
            switch (type)
            {
                case PduType.PData:
                    if (length > (uint)options.MaxPduLength)
                    {
                        await AbortAsync().ConfigureAwait(false);
                        throw new DicomNetworkException($"{who} sent a {length}-byte P-DATA-TF PDU, more than the {options.MaxPduLength} announced; aborted.");
                    }
                    DimseCommand? response = null;
                    await channel.ReadPdvsAsync(length, (pdv, data, end) =>
                    {
                        if (!pdv.IsCommand || pdv.ContextId != contextId)
                        {
                            throw new DicomProtocolException($"{who} sent an unexpected PDV (context {pdv.ContextId}, {(pdv.IsCommand ? "command" : "data")}).", 2);
                        }
                        if (command.Length + data.Length > DimseCommand.MaxEncodedLength)
                        {
                            throw new DicomProtocolException($"{who} sent a command set longer than {DimseCommand.MaxEncodedLength} bytes.", 6);
                        }
                        command.Write(data.Span);
                        if (end && pdv.IsLast)
                        {
                            response = DimseCommand.Decode(command.ToArray());
                        }
                        return ValueTask.CompletedTask;
                    }, timer.Token).ConfigureAwait(false);
                    if (response is not null)
                    {
                        if (response.MessageIdBeingRespondedTo != request.MessageId || response.CommandField != (request.CommandField | 0x8000))
                        {
                            throw new DicomNetworkException($"{who} answered message {response.MessageIdBeingRespondedTo} (0x{response.CommandField:X4}), not {request.MessageId}.");
                        }
                        IsUsable = true;
                        return response;
                    }
                    break;
                case PduType.Abort:
                    var ab = await channel.ReadBodyAsync(type, length, 4, timer.Token).ConfigureAwait(false);
                    throw new DicomNetworkException($"{who} aborted the association: {Pdu.DescribeAbort(ab.Length == 4 ? ab[2] : (byte)0, ab.Length == 4 ? ab[3] : (byte)0)}.");
                default:
                    await AbortAsync().ConfigureAwait(false);
                    throw new DicomNetworkException($"{who} sent an unexpected {type} PDU while a response was awaited; aborted.");
            }
        }
    }

    /// <summary>Streams the data set as P-DATA-TF PDUs within the peer's maximum length, through one buffer.</summary>
    private async Task SendDataSetAsync(byte contextId, OutgoingDataSet dataSet, CancellationToken cancellationToken)
    {
        // Fragments stay even (DCMTK refuses odd ones); an odd data set (a deflated stream) gets the trailing NUL pad
        // PS3.5 A.5 asks for.
        var max = PduChannel.MaxPdvValue(peerMaxPdu) & ~1;
        var pdu = new byte[12 + max];
        var fileLeft = dataSet.Length;
        var left = fileLeft + (fileLeft & 1);
        if (left == 0)
        {
            await stream.WriteAsync(PduChannel.PDataPdu(contextId, isCommand: false, last: true, []), cancellationToken).ConfigureAwait(false);
        }
        while (left > 0)
        {
            var n = (int)Math.Min(max, left);
            var fromFile = (int)Math.Min(n, fileLeft);
            await dataSet.Stream.ReadExactlyAsync(pdu.AsMemory(12, fromFile), cancellationToken).ConfigureAwait(false);
            pdu.AsSpan(12 + fromFile, n - fromFile).Clear();
            fileLeft -= fromFile;
            left -= n;
            pdu[0] = (byte)PduType.PData;
            pdu[1] = 0;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(2), (uint)(6 + n));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(6), (uint)(2 + n));
            pdu[10] = contextId;
            pdu[11] = (byte)(left == 0 ? 2 : 0);
            await stream.WriteAsync(pdu.AsMemory(0, 12 + n), cancellationToken).ConfigureAwait(false);
        }
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A-RELEASE-RQ, then waits for the A-RELEASE-RP (or the peer closing) within the response timeout.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        if (!IsUsable)
        {
            return;
        }
        IsUsable = false;
        closed = true;
        using var timer = Timer(options.ResponseTimeout, cancellationToken);
        try
        {
            await channel.WriteAsync(Pdu.ReleaseRequest(), timer.Token).ConfigureAwait(false);
            while (true)
            {
                var (type, length) = await ReadHeaderAsync(channel, who, timer.Token, cancellationToken).ConfigureAwait(false);
                if (type == PduType.ReleaseResponse)
                {
                    await channel.ReadBodyAsync(type, length, 4, timer.Token).ConfigureAwait(false);
                    return;
                }
                if (type == PduType.Abort)
                {
                    return;
                }
                throw new DicomNetworkException($"{who} answered the A-RELEASE-RQ with an unexpected {type} PDU.");
            }
        }
        catch (EndOfStreamException)
        {
            // The peer closed instead of answering: released all the same.
        }
    }

    private async Task AbortAsync()
    {
        IsUsable = false;
        closed = true;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await channel.WriteAsync(Pdu.Abort(0, 0), cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The abort is a courtesy; the connection closes next.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!closed)
        {
            await AbortAsync().ConfigureAwait(false);
        }
        channel.Dispose();
        await stream.DisposeAsync().ConfigureAwait(false);
        tcp.Dispose();
    }
}

/// <summary>The peer answered the A-ASSOCIATE-RQ with an A-ASSOCIATE-RJ.</summary>
public sealed class DicomAssociationRejectedException : DicomNetworkException
{
    public DicomAssociationRejectedException() { }

    public DicomAssociationRejectedException(string message) : base(message) { }

    public DicomAssociationRejectedException(string message, Exception inner) : base(message, inner) { }
}
