using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Dicom.Networking;

namespace RadSeal.Dicom.Tests.Networking;

/// <summary>
/// Peers that misbehave: each gets one log line and a closed connection, no large allocation, and a good association
/// running beside it still succeeds. Timeouts are short here so the suite stays fast.
/// </summary>
public sealed class HostilePeerTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

    private static async Task<NetworkScope> StartAsync(Func<DicomServerOptions, DicomServerOptions>? configure = null)
    {
        var scope = new NetworkScope();
        var options = scope.Options with { ArtimTimeout = Short, IdleTimeout = Short };
        await scope.StartAsync(configure is null ? options : configure(options));
        return scope;
    }

    private static async Task<(TcpClient Client, NetworkStream Stream)> ConnectAsync(NetworkScope scope)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", scope.Port);
        return (client, client.GetStream());
    }

    private static void EchoStillWorks(NetworkScope scope) =>
        Peers.Run("echoscu", ["-aec", "RADSEAL", "127.0.0.1", scope.Port.ToString()], null, TimeSpan.FromSeconds(30)).EnsureSuccess("echoscu beside a hostile peer");

    [Fact]
    public async Task A_malformed_associate_request_is_aborted_with_one_log_line()
    {
        await using var scope = await StartAsync();
        var (client, stream) = await ConnectAsync(scope);
        using (client)
        {
            // An A-ASSOCIATE-RQ whose body is too short for its fixed part.
            await stream.WriteAsync(RawPdu.Frame(0x01, [0, 1, 0, 0, 1, 2, 3, 4, 5, 6]));
            var pdu = await RawPdu.ReadAsync(stream, TimeSpan.FromSeconds(10));
            Assert.Equal((byte)0x07, pdu?.Type);
            Assert.True(await RawPdu.ClosedWithinAsync(stream, TimeSpan.FromSeconds(10)));
        }
        var line = await scope.WaitForLogAsync("Malformed A-ASSOCIATE-RQ");
        Assert.Contains("aborted", line, StringComparison.Ordinal);
        Assert.Single(scope.Log);
        EchoStillWorks(scope);
    }

    [Fact]
    public async Task An_unknown_pdu_type_is_aborted()
    {
        await using var scope = await StartAsync();
        var (client, stream) = await ConnectAsync(scope);
        using (client)
        {
            await stream.WriteAsync(RawPdu.Frame(0x42, [1, 2, 3, 4]));
            Assert.Equal((byte)0x07, (await RawPdu.ReadAsync(stream, TimeSpan.FromSeconds(10)))?.Type);
        }
        await scope.WaitForLogAsync("Unrecognized PDU type 0x42");
        EchoStillWorks(scope);
    }

    [Fact]
    public async Task A_four_gigabyte_length_claim_is_refused_before_anything_is_allocated()
    {
        await using var scope = await StartAsync();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var (client, stream) = await ConnectAsync(scope);
        using (client)
        {
            await stream.WriteAsync(new byte[] { 0x01, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1 });
            Assert.Equal((byte)0x07, (await RawPdu.ReadAsync(stream, TimeSpan.FromSeconds(10)))?.Type);
        }
        var line = await scope.WaitForLogAsync("claims 4294967295 bytes");
        Assert.Contains("more than the 1048576 allowed", line, StringComparison.Ordinal);
        // Other tests run beside this one, so only a gross bound: nowhere near the 4 GB claimed.
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 512L * 1024 * 1024);

        // The same claim in a P-DATA-TF PDU after a good negotiation.
        var (client2, stream2) = await ConnectAsync(scope);
        using (client2)
        {
            await stream2.WriteAsync(RawPdu.AssociateRequest("RADSEAL", "HOSTILE", (1, DicomUids.Verification, DicomUids.ImplicitVRLittleEndian)));
            Assert.Equal((byte)0x02, (await RawPdu.ReadAsync(stream2, TimeSpan.FromSeconds(10)))?.Type);
            await stream2.WriteAsync(new byte[] { 0x04, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0 });
            Assert.Equal((byte)0x07, (await RawPdu.ReadAsync(stream2, TimeSpan.FromSeconds(10)))?.Type);
        }
        await scope.WaitForLogAsync("A P-DATA-TF PDU claims 4294967295 bytes");
        EchoStillWorks(scope);
    }

    [Fact]
    public async Task A_connection_that_never_sends_is_closed_by_the_artim_timer_while_others_are_served()
    {
        await using var scope = await StartAsync();
        var (client, stream) = await ConnectAsync(scope);
        using (client)
        {
            EchoStillWorks(scope);
            Assert.True(await RawPdu.ClosedWithinAsync(stream, TimeSpan.FromSeconds(10)));
        }
        var line = await scope.WaitForLogAsync("ARTIM");
        Assert.Contains("no complete A-ASSOCIATE-RQ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_one_byte_at_a_time_sender_is_cut_off_by_artim_then_by_the_idle_timeout()
    {
        await using var scope = await StartAsync();
        var request = RawPdu.AssociateRequest("RADSEAL", "SLOW", (1, DicomUids.Verification, DicomUids.ImplicitVRLittleEndian));
        var (client, stream) = await ConnectAsync(scope);
        using (client)
        {
            // One byte every 100 ms: the request would take seconds; ARTIM (1 s) ends it first.
            var closed = false;
            for (var i = 0; i < request.Length && !closed; i++)
            {
                try
                {
                    await stream.WriteAsync(request.AsMemory(i, 1));
                    await Task.Delay(100);
                }
                catch (IOException)
                {
                    closed = true;
                }
            }
            Assert.True(closed || await RawPdu.ClosedWithinAsync(stream, TimeSpan.FromSeconds(5)));
        }
        await scope.WaitForLogAsync("ARTIM");

        // After negotiation: a P-DATA-TF trickled byte by byte hits the idle timeout.
        var (client2, stream2) = await ConnectAsync(scope);
        using (client2)
        {
            await stream2.WriteAsync(RawPdu.AssociateRequest("RADSEAL", "SLOW2", (1, DicomUids.Verification, DicomUids.ImplicitVRLittleEndian)));
            Assert.Equal((byte)0x02, (await RawPdu.ReadAsync(stream2, TimeSpan.FromSeconds(10)))?.Type);
            var pdata = RawPdu.PData(1, command: true, last: true, new byte[200]);
            try
            {
                for (var i = 0; i < pdata.Length; i++)
                {
                    await stream2.WriteAsync(pdata.AsMemory(i, 1));
                    await Task.Delay(100);
                }
            }
            catch (IOException)
            {
            }
        }
        var line = await scope.WaitForLogAsync("idle timeout");
        Assert.Contains("SLOW2", line, StringComparison.Ordinal);
        EchoStillWorks(scope);
    }

    [Fact]
    public async Task An_abort_in_the_middle_of_a_data_set_removes_the_temp_file()
    {
        await using var scope = await StartAsync(o => o with { IdleTimeout = TimeSpan.FromSeconds(10) });
        var (client, stream) = await ConnectAsync(scope);
        using (client)
        {
            await stream.WriteAsync(RawPdu.AssociateRequest("RADSEAL", "ABORTER", (1, DicomUids.CTImageStorage, DicomUids.ExplicitVRLittleEndian)));
            Assert.Equal((byte)0x02, (await RawPdu.ReadAsync(stream, TimeSpan.FromSeconds(10)))?.Type);
            await stream.WriteAsync(RawPdu.PData(1, command: true, last: true, RawPdu.StoreCommand(DicomUids.CTImageStorage, "1.2.3.4.5")));
            await stream.WriteAsync(RawPdu.PData(1, command: false, last: false, new byte[4000]));
            await WaitUntilAsync(() => Directory.EnumerateFiles(scope.Temp).Any());
            await stream.WriteAsync(RawPdu.Abort());
            Assert.True(await RawPdu.ClosedWithinAsync(stream, TimeSpan.FromSeconds(10)));
        }
        var line = await scope.WaitForLogAsync("aborted by the peer");
        Assert.Contains("partial data set was deleted", line, StringComparison.Ordinal);
        await WaitUntilAsync(() => !Directory.EnumerateFiles(scope.Temp).Any());
        Assert.Empty(scope.Handler.Received);
        EchoStillWorks(scope);
    }

    [Fact]
    public async Task A_data_set_over_the_size_limit_aborts_the_association_and_leaves_nothing()
    {
        await using var scope = await StartAsync(o => o with { MaxDataSetBytes = 10_000, IdleTimeout = TimeSpan.FromSeconds(10) });
        var result = Peers.Run("storescu", ["-aec", "RADSEAL", "127.0.0.1", scope.Port.ToString(), NetworkFiles.TestFile("CT_small.dcm")], null, TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, result.ExitCode);
        var line = await scope.WaitForLogAsync("exceeds the limit of 10000 bytes");
        Assert.Contains("aborted", line, StringComparison.Ordinal);
        await WaitUntilAsync(() => !Directory.EnumerateFiles(scope.Temp).Any());
        Assert.Empty(scope.Handler.Received);
    }

    [Fact]
    public async Task Associations_beyond_the_limit_are_rejected_as_transient()
    {
        await using var scope = await StartAsync(o => o with { MaxAssociations = 1, ArtimTimeout = TimeSpan.FromSeconds(10) });
        var (client, _) = await ConnectAsync(scope);
        using (client)
        {
            await WaitUntilAsync(() => scope.Server!.OpenAssociations == 1);
            var result = Peers.Run("echoscu", ["-aec", "RADSEAL", "127.0.0.1", scope.Port.ToString()], null, TimeSpan.FromSeconds(30));
            Assert.NotEqual(0, result.ExitCode);
            var line = await scope.WaitForLogAsync("local limit exceeded");
            Assert.Contains("transient", line, StringComparison.Ordinal);
        }
        await WaitUntilAsync(() => scope.Server!.OpenAssociations == 0);
        EchoStillWorks(scope);
    }

    [Fact]
    public async Task Storescu_over_tls_reaches_the_scp_and_the_scu_speaks_tls_too()
    {
        await using var scope = new NetworkScope();
        var key = Path.Combine(scope.Root, "key.pem");
        var crt = Path.Combine(scope.Root, "crt.pem");
        Peers.Run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=localhost"],
            null, TimeSpan.FromSeconds(60)).EnsureSuccess("openssl req");
        using var certificate = X509Certificate2.CreateFromPemFile(crt, key);
        await scope.StartAsync(scope.Options with { Tls = new SslServerAuthenticationOptions { ServerCertificate = certificate } });

        Peers.Run("storescu", ["+tls", key, crt, "+cf", crt, "-aec", "RADSEAL", "127.0.0.1", scope.Port.ToString(), NetworkFiles.TestFile("CT_small.dcm")],
            null, TimeSpan.FromSeconds(60)).EnsureSuccess("storescu +tls");
        Assert.Single(scope.Handler.Received);

        var tls = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == certificate.GetCertHashString(),
        };
        var client = new DicomClient(new DicomClientOptions { Tls = tls });
        var results = await client.StoreAsync(new DicomPeer("127.0.0.1", scope.Port, "RADSEAL"), [NetworkFiles.TestFile("MR_small_RLE.dcm")]);
        Assert.True(results[0].Stored, results[0].Error);
        NetworkFiles.AssertAllArrived([NetworkFiles.TestFile("CT_small.dcm"), NetworkFiles.TestFile("MR_small_RLE.dcm")],
            scope.Handler.Received.Select(r => r.File).ToList());

        // A plain connection to the TLS port fails the handshake: logged, nothing stored.
        await Assert.ThrowsAnyAsync<DicomNetworkException>(() => new DicomClient().EchoAsync(new DicomPeer("127.0.0.1", scope.Port, "RADSEAL")));
        await scope.WaitForLogAsync("connection lost");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new Xunit.Sdk.XunitException("Condition not met within 10 s.");
            }
            await Task.Delay(25);
        }
    }
}
