using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using RadSeal.Dicom;
using RadSeal.Server.Gateway;

namespace RadSeal.Server.Tests.Gateway;

/// <summary>
/// The forward journal holds every delivery since the spool began; the gateway keeps in memory only the IDs it still
/// needs, those whose outbox copy is not removed yet, so a gateway running for years does not grow with its journal.
/// </summary>
public sealed class ForwardJournalTests : IDisposable
{
    private readonly string _spool = Path.Combine(Path.GetTempPath(), "radseal-journal-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_spool, recursive: true);

    private GatewayService NewService() => new(
        new GatewayOptions { SpoolDirectory = _spool, Policy = GatePolicy.Default with { Ledger = false }, RetryInterval = TimeSpan.FromMilliseconds(100) },
        new ServiceCollection().BuildServiceProvider(), NullLogger<GatewayService>.Instance, new GatewayMetrics());

    private static string Id(int n) => $"20261126000000000-{n:x8}";

    private static async Task DrainAsync(GatewayService service)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (service.InProgress + service.CountIn("outbox") + service.CountIn("incoming") > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the spool did not drain");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task At_start_only_ids_with_a_copy_left_in_the_outbox_are_held_and_that_copy_is_not_sent_again()
    {
        Directory.CreateDirectory(Path.Combine(_spool, "outbox"));
        var journal = new StringBuilder();
        for (var i = 0; i <= 1000; i++)
        {
            journal.Append(JsonSerializer.Serialize(new ForwardRecord(Id(i), $"2.25.{i + 1}", "archive", DateTimeOffset.UtcNow), JsonSerializerOptions.Web)).Append('\n');
        }
        File.WriteAllText(Path.Combine(_spool, "forwarded.log"), journal.ToString());
        // Delivered, then the crash came before its copy was removed: not even a DICOM file is needed, it is not read.
        File.WriteAllText(Path.Combine(_spool, "outbox", Id(0) + ".dcm"), "delivered already");

        using var service = NewService();
        await service.StartAsync(CancellationToken.None);
        await DrainAsync(service);
        Assert.Equal(0, service.JournalledIdsHeld);
        Assert.Equal(0, service.Archive.Count);
        Assert.Equal(1001, File.ReadAllLines(Path.Combine(_spool, "forwarded.log")).Length); // the journal itself is kept whole
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_delivery_is_journalled_and_then_no_longer_held()
    {
        Directory.CreateDirectory(Path.Combine(_spool, "outbox"));
        var dataSet = new DicomDataSet()
            .Set(new DicomElement(DicomTags.SOPClassUID, DicomVR.UI, Encoding.ASCII.GetBytes("1.2.840.10008.5.1.4.1.1.7\0")))
            .Set(new DicomElement(DicomTags.SOPInstanceUID, DicomVR.UI, Encoding.ASCII.GetBytes("2.25.4242")));
        new DicomFile(new DicomDataSet(), dataSet, TransferSyntax.ExplicitVRLittleEndian).Save(Path.Combine(_spool, "outbox", Id(7) + ".dcm"));

        using var service = NewService();
        await service.StartAsync(CancellationToken.None);
        await DrainAsync(service);
        Assert.NotNull(service.Archive.Find("2.25.4242"));
        Assert.Equal([Id(7)], File.ReadAllLines(Path.Combine(_spool, "forwarded.log")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()));
        Assert.Equal(0, service.JournalledIdsHeld);
        await service.StopAsync(CancellationToken.None);
    }
}
