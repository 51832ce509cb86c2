using RadSeal.Dicom.Networking;

namespace RadSeal.Dicom.Tests.Networking;

/// <summary>RadSeal's SCP and SCU against DCMTK's echoscu, storescu, dcmsend and storescp on loopback.</summary>
public sealed class DcmtkInteropTests
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(60);

    private static ProcessResult Run(string program, params string[] args) => Peers.Run(program, args, stdin: null, PeerTimeout);

    [Fact]
    public async Task Echoscu_gets_success_from_the_scp()
    {
        await using var scope = new NetworkScope();
        await scope.StartAsync();
        Run("echoscu", "-aec", "RADSEAL", "127.0.0.1", scope.Port.ToString()).EnsureSuccess("echoscu");
    }

    [Fact]
    public async Task Dcmsend_sends_several_sop_classes_and_syntaxes_over_one_association_and_they_arrive_unchanged()
    {
        await using var scope = new NetworkScope();
        await scope.StartAsync();
        var files = NetworkFiles.Mixed;
        // dcmsend proposes each file's own syntax (explicit, implicit, RLE, JPEG, deflated) in one association.
        Run("dcmsend", ["-aec", "RADSEAL", "-aet", "MODALITY", "127.0.0.1", scope.Port.ToString(), .. files]).EnsureSuccess("dcmsend");

        var received = scope.Handler.Received.ToArray();
        Assert.Equal(files.Length, received.Length);
        Assert.All(received, r => Assert.Equal("MODALITY", r.Request.CallingAe));
        Assert.All(received, r => Assert.Equal("RADSEAL", r.Request.CalledAe));
        NetworkFiles.AssertAllArrived(files, received.Select(r => r.File).ToList());
        foreach (var (sent, got) in files.Zip(received))
        {
            // Compressed and deflated data sets keep their syntax (dcmsend may send an implicit file as explicit).
            var syntax = DicomFile.Open(sent).TransferSyntax;
            if (syntax.IsEncapsulated || syntax.IsDeflated)
            {
                Assert.Equal(syntax.Uid, got.Request.TransferSyntaxUid);
            }
            // dcmdump reads what the SCP wrote, and its meta group names the sender.
            var dump = Run("dcmdump", "-M", got.File).EnsureSuccess("dcmdump").Stdout;
            Assert.Contains("[MODALITY]", dump, StringComparison.Ordinal);
        }
        Assert.Empty(Directory.EnumerateFiles(scope.Temp));
    }

    [Theory]
    [InlineData("-xi", "MR_small_implicit.dcm", "rtplan.dcm")]
    [InlineData("-xe", "CT_small.dcm")]
    [InlineData("-xr", "MR_small_RLE.dcm", "SC_rgb_rle.dcm")]
    [InlineData("-xy", "SC_rgb_jpeg_dcmtk.dcm")]
    [InlineData("-xd", "image_dfl.dcm")]
    public async Task Storescu_files_arrive_byte_equal_after_the_meta_group(string proposal, params string[] names)
    {
        await using var scope = new NetworkScope();
        await scope.StartAsync();
        var files = names.Select(NetworkFiles.TestFile).ToArray();
        Run("storescu", [proposal, "-aec", "RADSEAL", "127.0.0.1", scope.Port.ToString(), .. files]).EnsureSuccess("storescu " + proposal);

        var received = scope.Handler.Received.ToArray();
        Assert.Equal(files.Length, received.Length);
        foreach (var (sent, got) in files.Zip(received))
        {
            Assert.Equal(DicomFile.Open(sent).TransferSyntax.Uid, got.Request.TransferSyntaxUid);
            if (got.Request.TransferSyntaxUid != DicomUids.DeflatedExplicitVRLittleEndian)
            {
                // Byte for byte as encoded in the sent file (storescu re-deflates, so deflated compares by content below).
                Assert.Equal(RawDataSetWithoutPadding(sent), RawDataSet(got.File));
            }
            Run("dcmdump", got.File).EnsureSuccess("dcmdump");
        }
        NetworkFiles.AssertAllArrived(files, received.Select(r => r.File).ToList());
    }

    [Fact]
    public async Task Dcmsend_delivers_to_the_scp()
    {
        await using var scope = new NetworkScope();
        await scope.StartAsync();
        var files = NetworkFiles.Mixed[..3];
        Run("dcmsend", ["-aec", "RADSEAL", "127.0.0.1", scope.Port.ToString(), .. files]).EnsureSuccess("dcmsend");
        NetworkFiles.AssertAllArrived(files, scope.Handler.Received.Select(r => r.File).ToList());
    }

    [Fact]
    public async Task A_wrong_called_ae_is_rejected_when_required_and_logged_once()
    {
        await using var scope = new NetworkScope();
        await scope.StartAsync(scope.Options with { RequireCalledAeTitle = true });
        var result = Run("echoscu", "-aec", "NOTRADSEAL", "127.0.0.1", scope.Port.ToString());
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Called AE Title Not Recognized", result.Stdout + result.Stderr, StringComparison.OrdinalIgnoreCase);
        var line = await scope.WaitForLogAsync("rejected");
        Assert.Contains("called AE title not recognized", line, StringComparison.Ordinal);
        Assert.Single(scope.Log, l => l.Contains("NOTRADSEAL", StringComparison.Ordinal));
        Run("echoscu", "-aec", "RADSEAL", "127.0.0.1", scope.Port.ToString()).EnsureSuccess("echoscu with the right AE");
    }

    [Fact]
    public async Task The_handler_status_reaches_storescu()
    {
        await using var scope = new NetworkScope();
        scope.Handler = new KeepingHandler(scope.Received) { Decide = _ => DimseStatus.NotAuthorized };
        await scope.StartAsync();
        // storescu -v prints the status it got back: "Received Store Response (Unknown Status: 0x124)".
        var result = Run("storescu", "-v", "-aec", "RADSEAL", "127.0.0.1", scope.Port.ToString(), NetworkFiles.TestFile("CT_small.dcm"));
        Assert.True((result.Stdout + result.Stderr).Contains("0x124", StringComparison.OrdinalIgnoreCase), $"rc={result.ExitCode} out=[{result.Stdout.Replace('\n', '|')}] err=[{result.Stderr.Replace('\n', '|')}]");
    }

    [Fact]
    public async Task The_scu_sends_to_storescp_and_the_files_arrive_with_equal_content()
    {
        using var storescp = StoreScp.Start(out var port, out _, "-v");
        var client = new DicomClient();
        var peer = new DicomPeer("127.0.0.1", port, "STORESCP");
        Assert.Equal(DimseStatus.Success, await client.EchoAsync(peer));
        // storescp names files by instance UID, and MR_small_implicit shares MR_small_RLE's: leave it out here.
        var files = NetworkFiles.Mixed.Where(f => !f.EndsWith("MR_small_implicit.dcm", StringComparison.Ordinal)).ToArray();
        var results = await client.StoreAsync(peer, files);
        if (results.Any(r => !r.Stored))
        {
            await Task.Delay(500); // let storescp's last lines arrive for the message
        }
        Assert.All(results, r => Assert.True(r.Stored, $"{r.File}: {r.Status} {r.Error}\n{string.Join('\n', storescp.Output)}"));
        var arrived = await storescp.WaitForFilesAsync(files.Length);
        NetworkFiles.AssertAllArrived(files, arrived);
    }

    [Fact]
    public async Task The_scu_converts_to_little_endian_when_the_peer_accepts_only_that_and_reports_what_it_cannot_send()
    {
        await using var scope = new NetworkScope();
        await scope.StartAsync(scope.Options with { TransferSyntaxes = [DicomUids.ImplicitVRLittleEndian, DicomUids.ExplicitVRLittleEndian] });
        string[] files =
        [
            NetworkFiles.TestFile("MR_small_bigendian.dcm"), NetworkFiles.TestFile("image_dfl.dcm"),
            NetworkFiles.TestFile("CT_small.dcm"), NetworkFiles.TestFile("MR_small_RLE.dcm"),
        ];
        var results = await new DicomClient().StoreAsync(new DicomPeer("127.0.0.1", scope.Port, "RADSEAL"), files);
        Assert.True(results[0].Stored && results[1].Stored && results[2].Stored, string.Join("; ", results.Select(r => r.Error)));
        Assert.False(results[3].Stored);
        Assert.Contains("no presentation context", results[3].Error, StringComparison.Ordinal);
        Assert.Equal(DimseStatus.NoResponse, results[3].Status);
        var received = scope.Handler.Received.ToArray();
        Assert.All(received, r => Assert.True(r.Request.TransferSyntaxUid is DicomUids.ImplicitVRLittleEndian or DicomUids.ExplicitVRLittleEndian));
        NetworkFiles.AssertAllArrived(files[..3], received.Select(r => r.File).ToList());
    }

    [Fact]
    public async Task The_scu_reports_a_rejection_and_a_missing_file()
    {
        await using var scope = new NetworkScope();
        await scope.StartAsync(scope.Options with { RequireCalledAeTitle = true });
        var client = new DicomClient();
        var ex = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => client.EchoAsync(new DicomPeer("127.0.0.1", scope.Port, "ELSEWHERE")));
        Assert.Contains("called AE title not recognized", ex.Message, StringComparison.Ordinal);
        var results = await client.StoreAsync(new DicomPeer("127.0.0.1", scope.Port, "RADSEAL"),
            [Path.Combine(scope.Root, "missing.dcm"), NetworkFiles.TestFile("CT_small.dcm")]);
        Assert.False(results[0].Stored);
        Assert.Contains("missing.dcm", results[0].Error, StringComparison.Ordinal);
        Assert.True(results[1].Stored);
    }

    /// <summary>The data set bytes less a trailing padding element, which DCMTK does not send.</summary>
    private static byte[] RawDataSetWithoutPadding(string path)
    {
        var raw = RawDataSet(path);
        var file = DicomFile.Open(path);
        return file.DataSet.Find(NetworkFiles.TrailingPadding) is { } padding
            ? raw[..^(int)DicomEncoder.EncodedLength(padding, file.TransferSyntax)]
            : raw;
    }

    /// <summary>The bytes after the meta group (the data set exactly as encoded in the file).</summary>
    internal static byte[] RawDataSet(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var groupLength = BitConverter.ToUInt32(bytes, 140);
        return bytes[(144 + (int)groupLength)..];
    }
}
