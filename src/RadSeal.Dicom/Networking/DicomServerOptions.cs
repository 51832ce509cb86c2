using System.Net;
using System.Net.Security;

namespace RadSeal.Dicom.Networking;

/// <summary>How the storage SCP listens and what it accepts; an immutable options object.</summary>
public sealed record DicomServerOptions
{
    /// <summary>TCP port; 0 picks a free one (read it back from <see cref="DicomServer.LocalEndPoint"/>).</summary>
    public int Port { get; init; } = 11112;

    /// <summary>The address to bind; loopback unless asked otherwise, so nothing is exposed by default.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>This server's AE title.</summary>
    public string AeTitle { get; init; } = "RADSEAL";

    /// <summary>Reject associations whose called AE title is not <see cref="AeTitle"/> (A-ASSOCIATE-RJ, reason 7).</summary>
    public bool RequireCalledAeTitle { get; init; }

    /// <summary>Abstract syntaxes accepted: every storage SOP class and Verification unless narrowed.</summary>
    public IReadOnlySet<string> SopClasses { get; init; } = DefaultSopClasses;

    /// <summary>
    /// Transfer syntaxes accepted, in order of preference when a context proposes several. The default is the
    /// uncompressed family, deflated, and the encapsulated syntaxes RadSeal stores as they come.
    /// </summary>
    public IReadOnlyList<string> TransferSyntaxes { get; init; } = DefaultTransferSyntaxes;

    /// <summary>The largest P-DATA-TF PDU (its variable field) this server receives; announced in the A-ASSOCIATE-AC.</summary>
    public int MaxPduLength { get; init; } = 256 * 1024;

    /// <summary>How long a new connection may take to deliver its complete A-ASSOCIATE-RQ (and TLS handshake), and to close after a release or reject.</summary>
    public TimeSpan ArtimTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one PDU may take to arrive once the server waits for it: an idle or trickling association is aborted after this.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Associations served at once; more are rejected (transient, local limit exceeded).</summary>
    public int MaxAssociations { get; init; } = 32;

    /// <summary>The largest data set accepted in one C-STORE; a bigger one aborts the association.</summary>
    public long MaxDataSetBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Where received data sets are written; the system temp folder when null.</summary>
    public string? TempFolder { get; init; }

    /// <summary>
    /// Start writing a received data set to disk while it still streams in (Linux: sync_file_range, every 4 MiB), for a
    /// handler that fsyncs each file before answering: the flush then only waits for the tail, not the whole file.
    /// Off by default: a handler that does not sync would only add disk traffic.
    /// </summary>
    public bool EarlyWriteBack { get; init; }

    /// <summary>DICOM TLS (PS3.15 Annex B.1): when set, every connection starts with a TLS handshake.</summary>
    public SslServerAuthenticationOptions? Tls { get; init; }

    /// <summary>One line per notable event (rejected or aborted association, timeouts); null discards them.</summary>
    public Action<string>? Log { get; init; }

    public static IReadOnlySet<string> DefaultSopClasses { get; } =
        new HashSet<string>(DicomUids.StorageSopClasses.Append(DicomUids.Verification), StringComparer.Ordinal);

    public static IReadOnlyList<string> DefaultTransferSyntaxes { get; } =
    [
        DicomUids.ExplicitVRLittleEndian, DicomUids.ImplicitVRLittleEndian, DicomUids.DeflatedExplicitVRLittleEndian,
        DicomUids.ExplicitVRBigEndian, DicomUids.EncapsulatedUncompressedExplicitVRLittleEndian,
        .. TransferSyntax.Known.Where(t => t.IsEncapsulated && t.Uid != DicomUids.EncapsulatedUncompressedExplicitVRLittleEndian).Select(t => t.Uid),
    ];
}
