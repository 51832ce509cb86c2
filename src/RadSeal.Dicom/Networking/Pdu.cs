using System.Buffers.Binary;
using System.Text;

namespace RadSeal.Dicom.Networking;

/// <summary>PDU types of the DICOM upper layer (PS3.8 9.3).</summary>
internal enum PduType : byte
{
    AssociateRequest = 0x01,
    AssociateAccept = 0x02,
    AssociateReject = 0x03,
    PData = 0x04,
    ReleaseRequest = 0x05,
    ReleaseResponse = 0x06,
    Abort = 0x07,
}

/// <summary>A presentation context as proposed (several syntaxes) or as answered (one syntax and a result).</summary>
internal sealed record PresentationContext(byte Id, string AbstractSyntax, IReadOnlyList<string> TransferSyntaxes)
{
    /// <summary>0 acceptance, 1 user rejection, 2 no reason, 3 abstract syntax not supported, 4 transfer syntaxes not supported.</summary>
    public byte Result { get; init; }

    public string? AcceptedTransferSyntax => Result == 0 && TransferSyntaxes.Count > 0 ? TransferSyntaxes[0] : null;
}

/// <summary>The variable part of an A-ASSOCIATE-RQ or -AC (PS3.8 9.3.2, 9.3.3) and its user information.</summary>
internal sealed record AssociationPdu(string CalledAe, string CallingAe, IReadOnlyList<PresentationContext> Contexts)
{
    public const string ApplicationContext = "1.2.840.10008.3.1.1.1";

    /// <summary>The largest P-DATA-TF variable field the sender of this PDU receives; 0 means no limit.</summary>
    public uint MaxPduLength { get; init; }

    public string ImplementationClassUid { get; init; } = DicomUid.ImplementationClassUid;

    public string? ImplementationVersion { get; init; } = DicomUid.ImplementationVersionName;

    /// <summary>Operations invoked / performed (0000 = unlimited); null when the sub-item is absent.</summary>
    public (ushort Invoked, ushort Performed)? AsyncOperations { get; init; }

    public string ApplicationContextName { get; init; } = ApplicationContext;

    public byte[] Encode(PduType type)
    {
        var body = new MemoryStream();
        Span<byte> fixedPart = stackalloc byte[68];
        fixedPart.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, 1);
        WriteAe(fixedPart.Slice(4, 16), CalledAe);
        WriteAe(fixedPart.Slice(20, 16), CallingAe);
        body.Write(fixedPart);
        WriteItem(body, 0x10, Encoding.ASCII.GetBytes(ApplicationContextName));
        foreach (var pc in Contexts)
        {
            var item = new MemoryStream();
            item.Write([pc.Id, 0, type == PduType.AssociateRequest ? (byte)0 : pc.Result, 0]);
            if (type == PduType.AssociateRequest)
            {
                WriteItem(item, 0x30, Encoding.ASCII.GetBytes(pc.AbstractSyntax));
            }
            foreach (var ts in pc.TransferSyntaxes)
            {
                WriteItem(item, 0x40, Encoding.ASCII.GetBytes(ts));
            }
            WriteItem(body, type == PduType.AssociateRequest ? (byte)0x20 : (byte)0x21, item.ToArray());
        }
        var user = new MemoryStream();
        var max = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(max, MaxPduLength);
        WriteItem(user, 0x51, max);
        WriteItem(user, 0x52, Encoding.ASCII.GetBytes(ImplementationClassUid));
        if (AsyncOperations is { } ops)
        {
            var value = new byte[4];
            BinaryPrimitives.WriteUInt16BigEndian(value, ops.Invoked);
            BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(2), ops.Performed);
            WriteItem(user, 0x53, value);
        }
        if (ImplementationVersion is { } version)
        {
            WriteItem(user, 0x55, Encoding.ASCII.GetBytes(version));
        }
        WriteItem(body, 0x50, user.ToArray());
        return Pdu.Frame(type, body.ToArray());
    }

    /// <summary>Parses the variable field of an A-ASSOCIATE-RQ or -AC; every length is checked against what is left.</summary>
    public static AssociationPdu Decode(ReadOnlySpan<byte> body, PduType type)
    {
        if (body.Length < 68)
        {
            throw new DicomNetworkException($"The {type} PDU is {body.Length} bytes long, shorter than its fixed part (68).");
        }
        var called = ReadAe(body.Slice(4, 16));
        var calling = ReadAe(body.Slice(20, 16));
        var rest = body[68..];
        var contexts = new List<PresentationContext>();
        string? appContext = null;
        uint maxPdu = 0;
        string implementationUid = "";
        string? implementationVersion = null;
        (ushort, ushort)? asyncOps = null;
        while (!rest.IsEmpty)
        {
            var value = NextItem(ref rest, type, out var itemType);
            switch (itemType)
            {
                case 0x10:
                    appContext = Ascii(value);
                    break;
                case 0x20 when type == PduType.AssociateRequest:
                case 0x21 when type == PduType.AssociateAccept:
                    contexts.Add(DecodeContext(value, type));
                    break;
                case 0x50:
                    var sub = value;
                    while (!sub.IsEmpty)
                    {
                        var subValue = NextItem(ref sub, type, out var subType);
                        switch (subType)
                        {
                            case 0x51 when subValue.Length == 4:
                                maxPdu = BinaryPrimitives.ReadUInt32BigEndian(subValue);
                                break;
                            case 0x51:
                                throw new DicomNetworkException($"The maximum length sub-item has {subValue.Length} bytes, not 4.");
                            case 0x52:
                                implementationUid = Ascii(subValue);
                                break;
                            case 0x53 when subValue.Length == 4:
                                asyncOps = (BinaryPrimitives.ReadUInt16BigEndian(subValue), BinaryPrimitives.ReadUInt16BigEndian(subValue[2..]));
                                break;
                            case 0x55:
                                implementationVersion = Ascii(subValue);
                                break;
                            default:
                                // Role selection, extended negotiation, user identity: not negotiated here, so left unanswered,
                                // which PS3.7 D.3.3 reads as "not supported".
                                break;
                        }
                    }
                    break;
                default:
                    throw new DicomNetworkException($"Unexpected item type 0x{itemType:X2} in the {type} PDU.");
            }
        }
        if (appContext is null)
        {
            throw new DicomNetworkException($"The {type} PDU has no application context item.");
        }
        return new AssociationPdu(called, calling, contexts)
        {
            ApplicationContextName = appContext,
            MaxPduLength = maxPdu,
            ImplementationClassUid = implementationUid,
            ImplementationVersion = implementationVersion,
            AsyncOperations = asyncOps,
        };
    }

    private static PresentationContext DecodeContext(ReadOnlySpan<byte> value, PduType type)
    {
        if (value.Length < 4)
        {
            throw new DicomNetworkException("A presentation context item is shorter than 4 bytes.");
        }
        var id = value[0];
        var result = value[2];
        var rest = value[4..];
        string abstractSyntax = "";
        var syntaxes = new List<string>();
        while (!rest.IsEmpty)
        {
            var subValue = NextItem(ref rest, type, out var subType);
            switch (subType)
            {
                case 0x30:
                    abstractSyntax = Ascii(subValue);
                    break;
                case 0x40:
                    syntaxes.Add(Ascii(subValue));
                    break;
                default:
                    throw new DicomNetworkException($"Unexpected sub-item type 0x{subType:X2} in presentation context {id}.");
            }
        }
        return new PresentationContext(id, abstractSyntax, syntaxes) { Result = type == PduType.AssociateAccept ? result : (byte)0 };
    }

    private static ReadOnlySpan<byte> NextItem(ref ReadOnlySpan<byte> rest, PduType pdu, out byte type)
    {
        if (rest.Length < 4)
        {
            throw new DicomNetworkException($"The {pdu} PDU ends inside an item header.");
        }
        type = rest[0];
        var length = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
        if (length > rest.Length - 4)
        {
            throw new DicomNetworkException($"Item 0x{type:X2} in the {pdu} PDU claims {length} bytes, but only {rest.Length - 4} remain.");
        }
        var value = rest.Slice(4, length);
        rest = rest[(4 + length)..];
        return value;
    }

    private static void WriteItem(Stream stream, byte type, ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new DicomNetworkException($"Item 0x{type:X2} is longer than an item length can state.");
        }
        Span<byte> header = [type, 0, (byte)(value.Length >> 8), (byte)value.Length];
        stream.Write(header);
        stream.Write(value);
    }

    private static void WriteAe(Span<byte> target, string ae)
    {
        target.Fill((byte)' ');
        Encoding.ASCII.GetBytes(ae.AsSpan(0, Math.Min(16, ae.Length)), target);
    }

    private static string ReadAe(ReadOnlySpan<byte> bytes) => Ascii(bytes).Trim();

    /// <summary>UIDs may be NUL-padded on the wire (PS3.8 9.3.2.2 says they are not; some senders do it anyway).</summary>
    private static string Ascii(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes).TrimEnd('\0', ' ');
}

/// <summary>Framing and the small fixed PDUs.</summary>
internal static class Pdu
{
    public const int HeaderLength = 6;

    public static byte[] Frame(PduType type, ReadOnlySpan<byte> body)
    {
        var pdu = new byte[HeaderLength + body.Length];
        pdu[0] = (byte)type;
        BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(2), (uint)body.Length);
        body.CopyTo(pdu.AsSpan(HeaderLength));
        return pdu;
    }

    public static byte[] ReleaseRequest() => Frame(PduType.ReleaseRequest, new byte[4]);

    public static byte[] ReleaseResponse() => Frame(PduType.ReleaseResponse, new byte[4]);

    /// <param name="source">0 service user, 2 service provider.</param>
    /// <param name="reason">For the provider: 0 not specified, 1 unrecognised PDU, 2 unexpected PDU, 4 unrecognised parameter, 5 unexpected parameter, 6 invalid parameter value.</param>
    public static byte[] Abort(byte source, byte reason) => Frame(PduType.Abort, [0, 0, source, reason]);

    /// <param name="result">1 permanent, 2 transient.</param>
    /// <param name="source">1 service user, 2 provider (ACSE), 3 provider (presentation).</param>
    public static byte[] Reject(byte result, byte source, byte reason) => Frame(PduType.AssociateReject, [0, result, source, reason]);

    public static string DescribeReject(byte result, byte source, byte reason)
    {
        var why = (source, reason) switch
        {
            (1, 2) => "application context name not supported",
            (1, 3) => "calling AE title not recognized",
            (1, 7) => "called AE title not recognized",
            (2, 2) => "protocol version not supported",
            (3, 1) => "temporary congestion",
            (3, 2) => "local limit exceeded",
            _ => "no reason given",
        };
        return $"{(result == 1 ? "permanent" : "transient")} rejection: {why} (source {source}, reason {reason})";
    }

    public static string DescribeAbort(byte source, byte reason)
    {
        var why = reason switch
        {
            1 => "unrecognized PDU",
            2 => "unexpected PDU",
            4 => "unrecognized PDU parameter",
            5 => "unexpected PDU parameter",
            6 => "invalid PDU parameter value",
            _ => "reason not specified",
        };
        return $"A-ABORT from the {(source == 2 ? "service provider" : "service user")}: {why}";
    }
}
