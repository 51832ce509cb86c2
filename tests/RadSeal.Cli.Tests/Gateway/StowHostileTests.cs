using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// Hostile HTTP input to STOW-RS, sent with curl and, for a body that is never sent, a raw socket: a malformed
/// multipart body, parts that are not DICOM and a huge Content-Length claim each get a 4xx, leave nothing in the spool,
/// and the server goes on serving (a signed image sent afterwards is archived).
/// </summary>
public sealed class StowHostileTests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    private const string Multipart = "multipart/related; type=\"application/dicom\"; boundary=";

    [Fact]
    public async Task Hostile_stow_bodies_get_4xx_spool_nothing_and_the_server_keeps_serving()
    {
        await using var gw = await fx.StartGatewayAsync("stow-hostile", o => o);

        // A body that never closes its part, and one with no boundary at all: malformed, 400.
        var truncated = Post(gw, Multipart + "b1", "--b1\r\nContent-Type: application/dicom\r\n\r\n" + new string('x', 5000));
        Assert.True(truncated.Status == 400, $"truncated multipart answered {truncated.Status}: {truncated.Body}");
        var noBoundary = Post(gw, Multipart + "b2", "just some bytes, no boundary anywhere\r\n");
        Assert.True(noBoundary.Status == 400, $"a body without its boundary answered {noBoundary.Status}: {noBoundary.Body}");

        // Parts that are not DICOM (one labelled application/dicom, one text/plain): 409, Failed SOP Sequence, reason C000.
        var notDicom = Post(gw, Multipart + "b3",
            "--b3\r\nContent-Type: application/dicom\r\n\r\nthis is not DICOM at all, no preamble, no DICM\r\n" +
            "--b3\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b3--\r\n");
        Assert.True(notDicom.Status == 409, $"non-DICOM parts answered {notDicom.Status}: {notDicom.Body}");
        Assert.Contains("00081198", notDicom.Body, StringComparison.Ordinal);
        Assert.Contains("49152", notDicom.Body, StringComparison.Ordinal); // Failure Reason C000

        // A Content-Length of a terabyte with a few bytes behind it: refused at once, without waiting for the body.
        var (hugeStatus, hugeHead) = await HugeContentLengthAsync(gw.BaseUri);
        Assert.True(hugeStatus == 413, $"a 1 TB Content-Length claim answered {hugeStatus}: {hugeHead}");

        Assert.Equal(0, gw.Service.CountIn("incoming") + gw.Service.CountIn("outbox") + gw.Service.CountIn("quarantine") + gw.Service.CountIn("archive"));
        var tmp = Path.Combine(gw.Service.Root, "tmp");
        Assert.Empty(Directory.Exists(tmp) ? Directory.GetFiles(tmp) : []);

        // Still serving: health, and a signed image goes through to the embedded archive.
        using var client = gw.Client(admin: false);
        using (var health = await client.GetAsync("health"))
        {
            Assert.True(health.IsSuccessStatusCode);
        }
        var signed = fx.Image(GatewayFixture.Kind.Trusted);
        var (status, body) = fx.StowWithCurl(gw.DicomWeb, signed.Path);
        Assert.True(status == 200, $"STOW-RS after the hostile requests answered {status}: {body}");
        await gw.DrainAsync();
        Assert.Equal(1, gw.Service.CountIn("archive"));
    }

    private (int Status, string Body) Post(GatewayServer gw, string contentType, string body)
    {
        var file = fx.Dir.File($"hostile-{Guid.NewGuid():N}.bin");
        File.WriteAllText(file, body, Encoding.ASCII);
        var response = fx.Dir.File($"hostile-{Guid.NewGuid():N}.out");
        var r = Peers.Run("curl", ["-sS", "-o", response, "-w", "%{http_code}", "-X", "POST", "-H", "Content-Type: " + contentType,
            "--data-binary", "@" + file, gw.DicomWeb.ToString().TrimEnd('/') + "/studies"], stdin: null, TimeSpan.FromMinutes(1));
        Assert.True(r.ExitCode == 0, "curl failed: " + r.Stderr);
        return (int.Parse(r.Stdout.Trim(), CultureInfo.InvariantCulture), File.Exists(response) ? File.ReadAllText(response) : "");
    }

    private static async Task<(int Status, string Head)> HugeContentLengthAsync(Uri baseUri)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(baseUri.Host, baseUri.Port);
        var stream = tcp.GetStream();
        var request = "POST /dicom-web/studies HTTP/1.1\r\nHost: " + baseUri.Authority + "\r\n" +
                      "Content-Type: " + Multipart + "big\r\nContent-Length: 1000000000000\r\n\r\n" +
                      "--big\r\nContent-Type: application/dicom\r\n\r\nDICM";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, timeout.Token); // a server that waited for the terabyte would time out here
        var head = Encoding.ASCII.GetString(buffer, 0, read);
        var parts = head.Split(' ', 3);
        return (parts.Length > 1 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var s) ? s : 0, head);
    }
}
