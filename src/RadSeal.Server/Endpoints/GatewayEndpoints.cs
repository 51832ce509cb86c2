using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using RadSeal.Dicom;
using RadSeal.Server.Gateway;

namespace RadSeal.Server.Endpoints;

/// <summary>
/// The gateway's HTTP surface (docs/gateway.md): DICOMweb under <c>/dicom-web</c> (STOW-RS into the gate's ingest,
/// QIDO-RS and WADO-RS over the embedded archive), quarantine under <c>/quarantine</c> (administrator token),
/// <c>/gateway</c> (state), <c>/health</c>.
/// </summary>
public static class GatewayEndpoints
{
    private const string DicomJson = "application/dicom+json";

    public static IEndpointRouteBuilder MapGatewayEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/dicom-web/studies", StoreAsync);
        app.MapPost("/dicom-web/studies/{study}", StoreAsync);
        app.MapGet("/dicom-web/studies", (GatewayService g, HttpRequest r) => Search(g, r, QueryLevel.Study, null, null));
        app.MapGet("/dicom-web/series", (GatewayService g, HttpRequest r) => Search(g, r, QueryLevel.Series, null, null));
        app.MapGet("/dicom-web/instances", (GatewayService g, HttpRequest r) => Search(g, r, QueryLevel.Instance, null, null));
        app.MapGet("/dicom-web/studies/{study}/series", (GatewayService g, HttpRequest r, string study) => Search(g, r, QueryLevel.Series, study, null));
        app.MapGet("/dicom-web/studies/{study}/instances", (GatewayService g, HttpRequest r, string study) => Search(g, r, QueryLevel.Instance, study, null));
        app.MapGet("/dicom-web/studies/{study}/series/{series}/instances", (GatewayService g, HttpRequest r, string study, string series) => Search(g, r, QueryLevel.Instance, study, series));
        app.MapGet("/dicom-web/studies/{study}", (GatewayService g, HttpContext h, string study) => RetrieveAsync(g, h, i => i.StudyInstanceUid == study));
        app.MapGet("/dicom-web/studies/{study}/series/{series}", (GatewayService g, HttpContext h, string study, string series) =>
            RetrieveAsync(g, h, i => i.StudyInstanceUid == study && i.SeriesInstanceUid == series));
        app.MapGet("/dicom-web/studies/{study}/series/{series}/instances/{instance}", (GatewayService g, HttpContext h, string study, string series, string instance) =>
            RetrieveAsync(g, h, i => i.StudyInstanceUid == study && i.SeriesInstanceUid == series && i.SopInstanceUid == instance));

        app.MapQuarantinePages();
        app.MapGet("/quarantine", (GatewayService g, HttpRequest r) =>
            Admin(g, r) ?? Results.Json(g.ListQuarantine(), GatewayJsonContext.Default.IReadOnlyListQuarantineRecord));
        app.MapGet("/quarantine/{id}", (GatewayService g, HttpRequest r, string id) =>
            Admin(g, r) ?? (g.ReadRecord(id) is { } rec ? Results.Json(rec, GatewayJsonContext.Default.QuarantineRecord) : NotFound(id)));
        app.MapGet("/quarantine/{id}/file", (GatewayService g, HttpRequest r, string id) =>
            Admin(g, r) ?? (g.QuarantinedFile(id) is { } path ? Results.File(path, "application/dicom", id + ".dcm") : NotFound(id)));
        app.MapPost("/quarantine/{id}/release", async (GatewayService g, HttpRequest r, string id, CancellationToken ct) =>
            Admin(g, r) ?? (await g.ReleaseAsync(id, Actor(r), ct) ? Results.Json(new Dictionary<string, string> { ["released"] = id }) : NotFound(id)));
        app.MapDelete("/quarantine/{id}", async (GatewayService g, HttpRequest r, string id, CancellationToken ct) =>
            Admin(g, r) ?? (await g.DeleteAsync(id, Actor(r), ct) ? Results.Json(new Dictionary<string, string> { ["deleted"] = id }) : NotFound(id)));

        app.MapGet("/gateway", (GatewayService g) => Results.Json(new Dictionary<string, object?>
        {
            ["mode"] = g.Options.Mode == GatewayMode.Edge ? "edge" : "gate",
            ["forward"] = g.Forwarder.Target,
            ["incoming"] = g.CountIn("incoming"),
            ["outbox"] = g.CountIn("outbox"),
            ["inProgress"] = g.InProgress,
            ["quarantine"] = g.CountIn("quarantine"),
            ["archive"] = g.Archive.Count,
        }));
        app.MapGet("/health", (GatewayService g) => Health(g));
        return app;
    }

    private static IResult Problem(int status, string message) =>
        Results.Json(new Dictionary<string, string> { ["error"] = message }, statusCode: status);

    private static IResult NotFound(string id) => Problem(StatusCodes.Status404NotFound, $"no quarantined image '{id}'");

    /// <summary>Null when the request carries an administrator token; else the refusal.</summary>
    private static IResult? Admin(GatewayService gateway, HttpRequest request)
    {
        if (gateway.Options.AdminTokens.Count == 0)
        {
            return Problem(StatusCodes.Status403Forbidden, "quarantine administration is disabled: the server has no administrator token");
        }
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return Problem(StatusCodes.Status401Unauthorized, "an administrator token is needed (Authorization: Bearer TOKEN)");
        }
        return IsAdminToken(gateway, header["Bearer ".Length..].Trim()) ? null : Problem(StatusCodes.Status401Unauthorized, "wrong administrator token");
    }

    /// <summary>Whether the token is one of the server's administrator tokens (compared in constant time).</summary>
    internal static bool IsAdminToken(GatewayService gateway, string presentedToken)
    {
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(presentedToken));
        var ok = false;
        foreach (var token in gateway.Options.AdminTokens)
        {
            ok |= CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), presented);
        }
        return ok && presentedToken.Length > 0;
    }

    /// <summary>Who acted, for the audit log: the X-RadSeal-Actor header (a name the admin gives), else "admin".</summary>
    private static string Actor(HttpRequest request)
    {
        var name = request.Headers["X-RadSeal-Actor"].ToString();
        return name.Length is > 0 and <= 64 && name.All(c => c is >= ' ' and <= '~') ? "admin:" + name : "admin";
    }

    private static IResult Health(GatewayService gateway)
    {
        try
        {
            var probe = Path.Combine(gateway.Root, "tmp", ".health");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, $"the spool is not writable: {ex.Message}");
        }
        return Results.Json(new Dictionary<string, object> { ["status"] = "ok", ["incoming"] = gateway.CountIn("incoming"), ["outbox"] = gateway.CountIn("outbox") });
    }

    // ---------------------------------------------------------------- STOW-RS

    private static async Task<IResult> StoreAsync(HttpRequest request, GatewayService gateway, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/related", StringComparison.OrdinalIgnoreCase))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "STOW-RS takes multipart/related; type=\"application/dicom\"");
        }
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
        {
            return Problem(StatusCodes.Status400BadRequest, "the multipart/related body has no usable boundary");
        }
        var partType = type.Parameters.FirstOrDefault(p => p.Name.Equals("type", StringComparison.OrdinalIgnoreCase))?.Value;
        if (partType is { } t && !HeaderUtilities.RemoveQuotes(t).Equals("application/dicom", StringComparison.OrdinalIgnoreCase))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, $"STOW-RS here takes application/dicom parts, not {t}");
        }
        var study = request.RouteValues["study"] as string;
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = gateway.Options.MaxInstanceBytes };
        var stored = new List<DicomDataSet>();
        var failed = new List<DicomDataSet>();
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (section.ContentType is { } ct && !ct.StartsWith("application/dicom", StringComparison.OrdinalIgnoreCase))
                {
                    failed.Add(Failed(null, null, 0xC000)); // not a DICOM part: cannot be understood
                    continue;
                }
                var result = await gateway.IngestAsync(section.Body, cancellationToken);
                if (!result.Stored)
                {
                    failed.Add(Failed(result.SopClassUid, result.SopInstanceUid, 0xC000));
                }
                else if (study is not null && result.StudyInstanceUid != study)
                {
                    // Already durable and on its way through the gate; the response tells the sender the mismatch (PS3.18
                    // asks for a failure, but undoing an acknowledged spool write would race the gate's workers).
                    failed.Add(Failed(result.SopClassUid, result.SopInstanceUid, 0xA900));
                }
                else
                {
                    var item = new DicomDataSet();
                    item.SetString(DicomTags.ReferencedSOPClassUID, DicomVR.UI, result.SopClassUid ?? "");
                    item.SetString(DicomTags.ReferencedSOPInstanceUID, DicomVR.UI, result.SopInstanceUid!);
                    stored.Add(item);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            if (stored.Count == 0 && ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                // Kestrel's request body limit (30 MB by default), refused from the Content-Length before the body is read.
                return Problem(StatusCodes.Status413PayloadTooLarge, $"the request body is too large: {ex.Message}");
            }
            if (stored.Count == 0)
            {
                return Problem(StatusCodes.Status400BadRequest, $"the multipart/related body is malformed: {ex.Message}");
            }
            failed.Add(Failed(null, null, 0xC000));
        }
        var response = new DicomDataSet();
        if (stored.Count > 0)
        {
            response.Set(new DicomSequence(DicomTags.ReferencedSOPSequence, stored));
        }
        if (failed.Count > 0)
        {
            response.Set(new DicomSequence(DicomTags.FailedSOPSequence, failed));
        }
        // PS3.18 §10.5.3: 200 all stored, 202 some failed, 409 none stored.
        var status = failed.Count == 0 ? StatusCodes.Status200OK : stored.Count > 0 ? StatusCodes.Status202Accepted : StatusCodes.Status409Conflict;
        if (stored.Count == 0 && failed.Count == 0)
        {
            return Problem(StatusCodes.Status400BadRequest, "the multipart/related body holds no parts");
        }
        return Results.Text(Dicom.DicomJson.Serialize(response), DicomJson, Encoding.UTF8, status);
    }

    private static DicomDataSet Failed(string? sopClass, string? sopInstance, ushort reason)
    {
        var item = new DicomDataSet();
        if (sopClass is not null)
        {
            item.SetString(DicomTags.ReferencedSOPClassUID, DicomVR.UI, sopClass);
        }
        if (sopInstance is not null)
        {
            item.SetString(DicomTags.ReferencedSOPInstanceUID, DicomVR.UI, sopInstance);
        }
        item.SetValues(DicomTags.FailureReason, DicomVR.US, reason);
        return item;
    }

    // ---------------------------------------------------------------- QIDO-RS and WADO-RS over the archive

    private enum QueryLevel
    {
        Study,
        Series,
        Instance,
    }

    private static readonly DicomTag[] StudyKeys =
    [
        DicomTags.StudyInstanceUID, DicomTags.PatientName, DicomTags.PatientID, DicomTags.PatientBirthDate, DicomTags.PatientSex,
        DicomTags.StudyDate, DicomTags.StudyTime, DicomTags.AccessionNumber, DicomTags.StudyID, DicomTags.StudyDescription, DicomTags.ReferringPhysicianName,
    ];

    private static readonly DicomTag[] SeriesKeys = [DicomTags.SeriesInstanceUID, DicomTags.Modality, DicomTags.SeriesNumber, DicomTags.SeriesDescription];

    private static readonly DicomTag[] InstanceKeys = [DicomTags.SOPInstanceUID, DicomTags.SOPClassUID, DicomTags.InstanceNumber];

    private static IResult Search(GatewayService gateway, HttpRequest request, QueryLevel level, string? study, string? series)
    {
        var matches = new List<(DicomTag Tag, string Value)>();
        var limit = int.MaxValue;
        var offset = 0;
        foreach (var (key, values) in request.Query)
        {
            var value = values.ToString();
            switch (key)
            {
                case "limit" when int.TryParse(value, out var l) && l >= 0:
                    limit = l;
                    continue;
                case "offset" when int.TryParse(value, out var o) && o >= 0:
                    offset = o;
                    continue;
                case "includefield" or "fuzzymatching":
                    continue;
            }
            if (ParseKey(key) is not { } tag || !ArchiveStore.IndexedAttributes.Any(a => a.Tag == tag))
            {
                return Problem(StatusCodes.Status400BadRequest, $"'{key}' is not a query key this server supports (supported: {string.Join(", ", ArchiveStore.IndexedAttributes.Select(a => a.Tag.ToString()))}, limit, offset)");
            }
            matches.Add((tag, value));
        }
        var instances = gateway.Archive.Instances.Where(i =>
            (study is null || i.StudyInstanceUid == study) && (series is null || i.SeriesInstanceUid == series)
            && matches.All(m => Matches(i.Get(m.Tag), m.Value, m.Tag)));
        IEnumerable<IGrouping<string, ArchivedInstance>> groups = level switch
        {
            QueryLevel.Study => instances.GroupBy(i => i.StudyInstanceUid),
            QueryLevel.Series => instances.GroupBy(i => i.SeriesInstanceUid),
            _ => instances.GroupBy(i => i.SopInstanceUid),
        };
        var keys = level switch
        {
            QueryLevel.Study => StudyKeys,
            QueryLevel.Series => [.. StudyKeys.Take(1), .. SeriesKeys],
            _ => [.. StudyKeys.Take(1), .. SeriesKeys.Take(1), .. InstanceKeys],
        };
        var sb = new StringBuilder("[");
        var first = true;
        foreach (var group in groups.OrderBy(g => g.Key, StringComparer.Ordinal).Skip(offset).Take(limit))
        {
            var sample = group.First();
            var ds = new DicomDataSet();
            foreach (var tag in keys)
            {
                if (sample.Attributes.TryGetValue(tag, out var v))
                {
                    ds.SetString(tag, ArchiveStore.IndexedAttributes.First(a => a.Tag == tag).VR, v);
                }
            }
            if (level == QueryLevel.Study)
            {
                ds.SetString(DicomTags.NumberOfStudyRelatedInstances, DicomVR.IS, group.Count().ToString(System.Globalization.CultureInfo.InvariantCulture));
                ds.SetStrings(DicomTags.ModalitiesInStudy, DicomVR.CS, [.. group.Select(i => i.Get(DicomTags.Modality)).Where(m => m.Length > 0).Distinct().Order(StringComparer.Ordinal)]);
            }
            else if (level == QueryLevel.Series)
            {
                ds.SetString(DicomTags.NumberOfSeriesRelatedInstances, DicomVR.IS, group.Count().ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            sb.Append(first ? "" : ",").Append(Dicom.DicomJson.Serialize(ds));
            first = false;
        }
        sb.Append(']');
        return first ? Results.NoContent() : Results.Text(sb.ToString(), DicomJson, Encoding.UTF8);
    }

    private static DicomTag? ParseKey(string key)
    {
        if (key.Length == 8 && uint.TryParse(key, System.Globalization.NumberStyles.HexNumber, null, out var n))
        {
            return new DicomTag((ushort)(n >> 16), (ushort)n);
        }
        return DicomDictionary.TryGetTag(key, out var tag) ? tag : null;
    }

    /// <summary>PS3.4 C.2.2.2 matching, the common cases: single value, '*'/'?' wildcards, date ranges (a-b, a-, -b).</summary>
    private static bool Matches(string actual, string query, DicomTag tag)
    {
        if (query.Length == 0)
        {
            return true;
        }
        if ((tag == DicomTags.StudyDate || tag == DicomTags.PatientBirthDate) && query.Contains('-', StringComparison.Ordinal))
        {
            var parts = query.Split('-');
            return actual.Length > 0 && (parts[0].Length == 0 || string.CompareOrdinal(actual, parts[0]) >= 0)
                && (parts[1].Length == 0 || string.CompareOrdinal(actual, parts[1]) <= 0);
        }
        if (query.Contains('*', StringComparison.Ordinal) || query.Contains('?', StringComparison.Ordinal))
        {
            var pattern = "^" + System.Text.RegularExpressions.Regex.Escape(query).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
            return System.Text.RegularExpressions.Regex.IsMatch(actual, pattern, System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        return tag == DicomTags.PatientName ? string.Equals(actual, query, StringComparison.OrdinalIgnoreCase) : actual == query;
    }

    private static async Task RetrieveAsync(GatewayService gateway, HttpContext http, Func<ArchivedInstance, bool> which)
    {
        var files = gateway.Archive.Instances.Where(which).OrderBy(i => i.SopInstanceUid, StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            await http.Response.WriteAsJsonAsync(new Dictionary<string, string> { ["error"] = "no such instance in the archive" });
            return;
        }
        var boundary = "radseal-" + Guid.NewGuid().ToString("N");
        http.Response.ContentType = $"multipart/related; type=\"application/dicom\"; boundary={boundary}";
        var body = http.Response.Body;
        foreach (var file in files)
        {
            await body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n"), http.RequestAborted);
            await using (var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan))
            {
                await stream.CopyToAsync(body, http.RequestAborted);
            }
            await body.WriteAsync("\r\n"u8.ToArray(), http.RequestAborted);
        }
        await body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"), http.RequestAborted);
    }
}
