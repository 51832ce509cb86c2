using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace RadSeal.Server.Gateway;

/// <summary>What happened to one forward attempt.</summary>
public enum ForwardStatus
{
    /// <summary>The target has the instance (it acknowledged it).</summary>
    Delivered,

    /// <summary>Try again later (target down, busy, or a network error).</summary>
    Retry,

    /// <summary>The target refused this instance for good; retrying will not help.</summary>
    Refused,
}

public sealed record ForwardResult(ForwardStatus Status, string Detail);

/// <summary>
/// Sends one accepted instance on. Implementations: STOW-RS to a DICOMweb server, the embedded archive, and (once the
/// DIMSE layer lands) C-STORE to a DICOM peer.
/// </summary>
public interface IForwarder
{
    /// <summary>Where instances go, for the audit log and the forward journal.</summary>
    string Target { get; }

    /// <summary>Delivers the Part-10 file at <paramref name="path"/>; the file may be moved by the forwarder.</summary>
    Task<ForwardResult> ForwardAsync(string path, string sopInstanceUid, CancellationToken cancellationToken);
}

/// <summary>STOW-RS (PS3.18 §10.5): one multipart/related POST per instance to {root}/studies.</summary>
public sealed class StowRsForwarder(Uri root, HttpClient http) : IForwarder
{
    private readonly Uri _studies = new(root.ToString().TrimEnd('/') + "/studies");

    public string Target => root.ToString();

    public async Task<ForwardResult> ForwardAsync(string path, string sopInstanceUid, CancellationToken cancellationToken)
    {
        var boundary = "radseal-" + Guid.NewGuid().ToString("N");
        using var content = new MultipartContent("related", boundary);
        content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var part = new StreamContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
        content.Add(part);
        using var request = new HttpRequestMessage(HttpMethod.Post, _studies) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/dicom+json"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return new ForwardResult(ForwardStatus.Retry, $"{_studies}: {ex.Message}");
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new ForwardResult(ForwardStatus.Retry, $"{_studies}: timed out ({ex.Message})");
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK && !HasFailedSop(body))
            {
                return new ForwardResult(ForwardStatus.Delivered, $"{_studies}: 200");
            }
            var detail = $"{_studies}: HTTP {(int)response.StatusCode} {Shorten(body)}";
            // 5xx and 429 are the target's trouble, not the image's; 4xx and per-instance failures are refusals.
            return (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests
                ? new ForwardResult(ForwardStatus.Retry, detail)
                : new ForwardResult(ForwardStatus.Refused, detail);
        }
    }

    /// <summary>True when the STOW-RS response lists a Failed SOP Sequence (0008,1198) item.</summary>
    private static bool HasFailedSop(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return false;
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement.ValueKind == JsonValueKind.Array && doc.RootElement.GetArrayLength() > 0 ? doc.RootElement[0] : doc.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("00081198", out var failed)
                && failed.TryGetProperty("Value", out var items) && items.ValueKind == JsonValueKind.Array && items.GetArrayLength() > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}

/// <summary>The embedded archive as a forward target: accepted images are moved into it.</summary>
internal sealed class ArchiveForwarder(ArchiveStore archive) : IForwarder
{
    /// <summary>What the forward journal names as the target of an archived image.</summary>
    public const string TargetName = "archive";

    public string Target => TargetName;

    public async Task<ForwardResult> ForwardAsync(string path, string sopInstanceUid, CancellationToken cancellationToken)
    {
        await archive.PutAsync(path, sopInstanceUid);
        return new ForwardResult(ForwardStatus.Delivered, "archived");
    }
}
