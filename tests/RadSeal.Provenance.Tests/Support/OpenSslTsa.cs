using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RadSeal.Provenance.Tests;

/// <summary>
/// A real RFC 3161 TSA for tests: `openssl ts -reply` behind a minimal HTTP/1.1 endpoint on loopback. Each POST body
/// is a TimeStampReq; the answer is whatever openssl made of it. Stopped on dispose.
/// </summary>
public sealed class OpenSslTsa : IDisposable
{
    private readonly TestPki pki;
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private int requests;

    public OpenSslTsa(TestPki pki)
    {
        this.pki = pki;
        (TsaKey, TsaCert) = pki.Issue("rsa", serialNumber: "TSA-1", extensions: "ext_tsa");
        File.WriteAllText(pki.File("tsaserial"), "01\n");
        File.WriteAllText(pki.File("tsa.cnf"), $"""
            [ tsa ]
            default_tsa = tsa_config
            [ tsa_config ]
            dir = {pki.Dir}
            serial = $dir/tsaserial
            crypto_device = builtin
            signer_cert = {TsaCert}
            certs = {pki.CaCert}
            signer_key = {TsaKey}
            signer_digest = sha256
            default_policy = 1.3.6.1.4.1.5.2.3.4
            digests = sha256, sha384, sha512
            accuracy = secs:1
            ordering = yes
            tsa_name = no
            ess_cert_id_chain = no
            ess_cert_id_alg = sha256
            """);
        listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/tsa");
        loop = Task.Run(ServeAsync);
    }

    public Uri Url { get; }
    public string TsaKey { get; }
    public string TsaCert { get; }
    public int Requests => Volatile.Read(ref requests);

    private async Task ServeAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            using (client)
            {
                await HandleAsync(client.GetStream());
            }
        }
    }

    private async Task HandleAsync(NetworkStream stream)
    {
        var header = new StringBuilder();
        var one = new byte[1];
        while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && header.Length < 16384)
        {
            if (await stream.ReadAsync(one, stop.Token) == 0)
            {
                return;
            }
            header.Append((char)one[0]);
        }
        var lengthLine = header.ToString().Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, stop.Token);
        var n = Interlocked.Increment(ref requests);
        var query = pki.File($"q{n}.tsq");
        var reply = pki.File($"r{n}.tsr");
        await File.WriteAllBytesAsync(query, body);
        var result = Peers.Run("openssl", ["ts", "-reply", "-config", pki.File("tsa.cnf"), "-queryfile", query, "-out", reply], null, TimeSpan.FromMinutes(1));
        byte[] answer;
        string status;
        if (result.ExitCode == 0)
        {
            answer = await File.ReadAllBytesAsync(reply);
            status = "200 OK";
        }
        else
        {
            answer = Encoding.ASCII.GetBytes(result.Stderr);
            status = "500 Internal Server Error";
        }
        var head = $"HTTP/1.1 {status}\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {answer.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), stop.Token);
        await stream.WriteAsync(answer, stop.Token);
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // The loop ends by cancellation; nothing to report.
        }
        stop.Dispose();
    }
}
