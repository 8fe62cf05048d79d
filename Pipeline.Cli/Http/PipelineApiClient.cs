using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;

namespace Pipeline.Cli.Http;

/// <summary>
/// The host's HTTP API as the CLI needs it. Every way a request can go wrong becomes a <see cref="CliFailure"/> with
/// one readable line: the host unreachable, the admin key refused, or the host's own problem details.
/// </summary>
internal sealed class PipelineApiClient : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly string _url;
    private readonly bool _hasKey;

    public PipelineApiClient(Uri url, string? apiKey, HttpMessageHandler? handler = null)
    {
        _url = url.ToString().TrimEnd('/');
        _hasKey = apiKey is not null;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        // A trailing slash keeps a path prefix (a host behind a proxy at /pipeline/) in front of the relative paths.
        _http.BaseAddress = new Uri(_url + "/");
        _http.Timeout = Timeout;
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("pipeline-cli", Version));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (apiKey is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    /// <summary>The host's address as the operator gave it, for messages.</summary>
    public string Url => _url;

    private static string Version =>
        typeof(PipelineApiClient).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public Task<ApiResponse> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), [], cancellationToken);

    /// <summary>A GET whose <paramref name="alsoAccepted"/> statuses are answers too (readiness is 503 when not ready).</summary>
    public Task<ApiResponse> GetAsync(string path, HttpStatusCode[] alsoAccepted, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), alsoAccepted, cancellationToken);

    public Task<ApiResponse> PutAsync(string path, object body, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body) }, [], cancellationToken);

    public Task<ApiResponse> PostAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path), [], cancellationToken);

    /// <summary>One path segment, escaped: an id with a slash or a question mark stays one segment.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    private async Task<ApiResponse> SendAsync(HttpRequestMessage request, HttpStatusCode[] alsoAccepted, CancellationToken cancellationToken)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException error)
            {
                throw new CliFailure($"cannot reach {_url}: {Reason(error)}", ExitCodes.Unreachable);
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliFailure($"cannot reach {_url}: no answer within {Timeout.TotalSeconds:0} s", ExitCodes.Unreachable);
            }

            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.IsSuccessStatusCode || alsoAccepted.Contains(response.StatusCode))
                {
                    return new ApiResponse(response.StatusCode, body);
                }
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    throw new CliFailure(_hasKey
                        ? "the admin key was refused: check --api-key or PIPELINE_API_KEY"
                        : "the admin key was refused: none was given; pass --api-key or set PIPELINE_API_KEY",
                        ExitCodes.Unauthorized);
                }
                throw new CliFailure(Problem.Describe(response, body));
            }
        }
    }

    private static string Reason(HttpRequestException error) =>
        error.HttpRequestError switch
        {
            _ when error.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "is the host running?",
            HttpRequestError.ConnectionError => "is the host running?",
            HttpRequestError.NameResolutionError => "the host name does not resolve",
            HttpRequestError.SecureConnectionError => "the TLS handshake failed",
            _ => error.Message,
        };

    public void Dispose() => _http.Dispose();

    public Task<ApiResponse> PostJsonAsync(string path, object body, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) }, [], cancellationToken);

    /// <summary>Streams a file answer into <paramref name="destination"/> (never whole in memory); returns the bytes written.</summary>
    public async Task<long> DownloadAsync(string path, Func<Stream> destination, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException error)
        {
            throw new CliFailure($"cannot reach {_url}: {Reason(error)}", ExitCodes.Unreachable);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliFailure($"cannot reach {_url}: no answer within {Timeout.TotalSeconds:0} s", ExitCodes.Unreachable);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                // The same failures as every other request: read the small problem body and describe it.
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw response.StatusCode == HttpStatusCode.Unauthorized
                    ? new CliFailure("the admin key was refused: check --api-key or PIPELINE_API_KEY", ExitCodes.Unauthorized)
                    : new CliFailure(Problem.Describe(response, body));
            }
            await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var target = destination();
            await source.CopyToAsync(target, cancellationToken);
            return target.Length;
        }
    }
}
