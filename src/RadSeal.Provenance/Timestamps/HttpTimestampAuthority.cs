using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;

namespace RadSeal.Provenance.Timestamps;

/// <summary>
/// An RFC 3161 time-stamp authority reached over HTTP (RFC 3161 3.4: POST application/timestamp-query, answer
/// application/timestamp-reply). The reply is checked against the request (imprint, nonce, status) before use.
/// </summary>
public sealed class HttpTimestampAuthority : ITimestampAuthority
{
    /// <summary>A reply larger than this is refused: a token with its certificates is a few kilobytes.</summary>
    public const int MaxReplyBytes = 1 << 20;

    private readonly Uri url;
    private readonly HttpClient client;
    private readonly HashAlgorithmName hash;

    public HttpTimestampAuthority(Uri url, HttpClient client, HashAlgorithmName? hash = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(client);
        this.url = url;
        this.client = client;
        this.hash = hash ?? HashAlgorithmName.SHA256;
    }

    public byte[] RequestToken(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var nonce = RandomNumberGenerator.GetBytes(8);
        nonce[0] &= 0x7F;
        var request = Rfc3161TimestampRequest.CreateFromData(data.Span, hash, requestSignerCertificates: true, nonce: nonce);
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(request.Encode()) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
        byte[] reply;
        try
        {
            using var response = client.Send(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new TimestampException($"the time-stamp authority {url} answered HTTP {(int)response.StatusCode}");
            }
            if (response.Content.Headers.ContentLength > MaxReplyBytes)
            {
                throw new TimestampException($"the time-stamp authority {url} sent a reply larger than {MaxReplyBytes} bytes");
            }
            using var stream = response.Content.ReadAsStream(cancellationToken);
            reply = ReadBounded(stream, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new TimestampException($"cannot reach the time-stamp authority {url}: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimestampException($"the time-stamp authority {url} did not answer in time", ex);
        }
        try
        {
            var token = request.ProcessResponse(reply, out _);
            return token.AsSignedCms().Encode();
        }
        catch (CryptographicException ex)
        {
            throw new TimestampException($"the time-stamp authority {url} sent no usable token: {ex.Message}", ex);
        }
    }

    private static byte[] ReadBounded(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (buffer.Length + n > MaxReplyBytes)
            {
                throw new TimestampException($"the time-stamp reply is larger than {MaxReplyBytes} bytes");
            }
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }
}

/// <summary>A time-stamp could not be obtained.</summary>
public sealed class TimestampException : Exception
{
    public TimestampException(string message) : base(message) { }

    public TimestampException(string message, Exception inner) : base(message, inner) { }
}
