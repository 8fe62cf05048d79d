using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pipeline.Tests.Support;

/// <summary>
/// The real host as a separate process on 127.0.0.1, for what only a process can show: being killed with SIGKILL
/// and started again. Configured through environment variables, as a deployment would be.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;
    private readonly ConcurrentQueue<string> _errors;

    private HostProcess(Process process, string url, ConcurrentQueue<string> output, ConcurrentQueue<string> errors)
    {
        _process = process;
        Url = url;
        _output = output;
        _errors = errors;
    }

    /// <summary>The lines the host wrote to standard output so far (its console log).</summary>
    public IReadOnlyCollection<string> Output => _output;

    public string Url { get; }

    /// <summary>How many of the last lines of standard error are kept (a stack trace fits).</summary>
    private const int ErrorLinesKept = 200;

    public int Id => _process.Id;

    /// <param name="withoutWhatsApp">Leave WhatsApp unconfigured, as a deployment that forgot it would (the host's own defaults).</param>
    public static async Task<HostProcess> StartAsync(IReadOnlyDictionary<string, string> settings, string workingDirectory, bool withoutWhatsApp = false)
    {
        // The free port is found before the host binds it, and another process (a node's remoting on port 0) may take it
        // in between: the host then exits before serving, and is started again on another port.
        for (var tried = 1; ; tried++)
        {
            try
            {
                return await StartOnceAsync(settings, workingDirectory, withoutWhatsApp, $"http://127.0.0.1:{FreePort()}");
            }
            catch (InvalidOperationException error) when (tried < 3 && error.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    private static async Task<HostProcess> StartOnceAsync(IReadOnlyDictionary<string, string> settings, string workingDirectory, bool withoutWhatsApp, string url)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "Pipeline.Host.dll");
        var start = new ProcessStartInfo("dotnet", [host, "--urls", url])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // A host given no WhatsApp account (neither a token nor a mode) records tickets locally: outside Development,
        // Live mode without a token refuses to start. A caller that names either gets exactly what it names.
        if (!withoutWhatsApp && !settings.ContainsKey("Pipeline:WhatsApp:AccessToken") && !settings.ContainsKey("Pipeline:WhatsApp:Mode"))
        {
            start.Environment["Pipeline__WhatsApp__Mode"] = "Sandbox";
        }
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        // Drain the pipes so a chatty host never blocks on a full one; keep standard output for tests of the log, and
        // the last lines of standard error for the message of a host that exits before serving.
        var output = new ConcurrentQueue<string>();
        var errors = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                errors.Enqueue(e.Data);
                while (errors.Count > ErrorLinesKept && errors.TryDequeue(out var _))
                {
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var hostProcess = new HostProcess(process, url, output, errors);
        try
        {
            await hostProcess.WaitUntilServingAsync();
        }
        catch
        {
            // A host that never served (a busy machine, a start-up failure) must not outlive the test: it would keep
            // running, orphaned, for the rest of the suite.
            await hostProcess.DisposeAsync();
            throw;
        }
        return hostProcess;
    }

    public HttpClient CreateClient(string? adminKey = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
        if (adminKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
        }
        return client;
    }

    /// <summary>SIGKILL: no shutdown hooks, no draining, in-flight work is simply gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// SIGTERM: a graceful stop (drain, hand back, leave the cluster). Returns the time it took to exit, counted from the
    /// signal's delivery (not from starting <c>kill</c>, which a busy machine can take a while to do).
    /// <paramref name="signaled"/> runs once the signal has been delivered.
    /// </summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan timeout, Action? signaled = null)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }
        var stopwatch = Stopwatch.StartNew();
        signaled?.Invoke();
        using var wait = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(wait.Token);
        return stopwatch.Elapsed;
    }

    /// <summary>Sends a signal by name: <c>STOP</c> freezes the process (sockets open, nothing answers), <c>CONT</c> wakes it.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill!.WaitForExitAsync();
    }

    /// <summary>Waits for the process to exit by itself: its exit code, or null if it still runs after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private async Task WaitUntilServingAsync()
    {
        using var client = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(); // and for the pipes to be read to their end
                throw new InvalidOperationException(
                    $"The host exited with code {_process.ExitCode} before serving. Standard error:\n{string.Join('\n', _errors)}");
            }
            try
            {
                using var response = await client.GetAsync("/api/events?limit=1");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The host did not serve within 60 s.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
