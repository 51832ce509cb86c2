using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// Sending to the PACS has tasks of its own: a target that accepts the connection and never answers holds up its
/// forwards, not the checking of what arrives meanwhile.
/// </summary>
public sealed class ForwardStallTests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task A_stalled_forward_target_does_not_stop_images_being_checked()
    {
        using var target = new TcpListener(IPAddress.Loopback, 0);
        target.Start();
        var held = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    held.Add(await target.AcceptTcpClientAsync(stop.Token)); // read nothing, answer nothing
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        var port = ((IPEndPoint)target.LocalEndpoint).Port;
        await using (var gw = await fx.StartGatewayAsync("forward-stall", o => o with
        {
            Forward = new Uri($"http://127.0.0.1:{port}/dicom-web"),
            Workers = 1,
            Forwarders = 1,
        }))
        {
            var spool = gw.Service.Root;
            string[] Accepted() => File.Exists(Path.Combine(spool, "audit.log"))
                ? [.. File.ReadAllLines(Path.Combine(spool, "audit.log")).Select(l => JsonDocument.Parse(l).RootElement)
                    .Where(e => e.GetProperty("event").GetString() == "accepted").Select(e => e.GetProperty("sopInstanceUid").GetString()!)]
                : [];
            var first = fx.Image(GatewayFixture.Kind.Trusted, viaCli: false);
            Assert.True((await gw.Service.IngestFileAsync(first.Path, CancellationToken.None)).Stored);
            await WaitAsync(() => Accepted().Contains(first.Uid) && held.Count > 0, "the first image accepted and its forward under way");
            // The one forwarder now waits on the target; the one worker must still check what arrives.
            var more = new[] { fx.Image(GatewayFixture.Kind.Trusted, viaCli: false), fx.Image(GatewayFixture.Kind.NoSignature) };
            foreach (var image in more)
            {
                Assert.True((await gw.Service.IngestFileAsync(image.Path, CancellationToken.None)).Stored);
            }
            await WaitAsync(() => Accepted().Contains(more[0].Uid) && gw.Service.CountIn("quarantine") == 1, "the later images checked while the forward hangs");
            Assert.Equal(2, gw.Service.CountIn("outbox")); // both accepted images wait to be sent; nothing was lost
        }
        await stop.CancelAsync();
        await accepting;
        foreach (var client in held)
        {
            client.Dispose();
        }
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(50);
        }
    }
}
