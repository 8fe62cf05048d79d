using System.CommandLine;
using System.Text.Json;
using Pipeline.Cli.Http;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pipeline.Cli;

/// <summary>What every command shares: the global options, the output, and running an action with uniform errors.</summary>
internal sealed class CliContext(TextWriter output, TextWriter error, Func<string, string?> environment, HttpMessageHandler? handler)
{
    public const string DefaultUrl = "http://localhost:5080";
    public const string UrlVariable = "PIPELINE_URL";
    public const string ApiKeyVariable = "PIPELINE_API_KEY";

    private readonly Option<string?> _url = new("--url")
    {
        Description = $"The host's base address [env {UrlVariable}; default {DefaultUrl}]",
        Recursive = true,
    };

    private readonly Option<string?> _apiKey = new("--api-key")
    {
        Description = $"The admin key (Pipeline:Admin:ApiKey) [env {ApiKeyVariable}]",
        Recursive = true,
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the host's JSON instead of a table",
        Recursive = true,
    };

    public TextWriter Output { get; } = output;

    public void AddGlobalOptions(RootCommand root)
    {
        root.Options.Add(_url);
        root.Options.Add(_apiKey);
        root.Options.Add(_json);
    }

    public bool Json(ParseResult parse) => parse.GetValue(_json);

    /// <summary>A console over <see cref="Output"/>: colors only on a terminal, wide enough for the tables when redirected.</summary>
    public IAnsiConsole Console()
    {
        var terminal = ReferenceEquals(Output, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = 200;
        }
        return console;
    }

    /// <summary>The host's body as sent with <c>--json</c>, else what <paramref name="render"/> makes of it.</summary>
    public void Print(ParseResult parse, ApiResponse response, Func<JsonElement, IRenderable> render)
    {
        if (Json(parse))
        {
            Output.WriteLine(response.Body);
            return;
        }
        Console().Write(render(response.Json()));
    }

    /// <summary>Runs <paramref name="action"/> with a client for the chosen host; a <see cref="CliFailure"/> becomes its line and exit code.</summary>
    public async Task<int> RunAsync(ParseResult parse, Func<PipelineApiClient, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            var url = Url(parse);
            var apiKey = parse.GetValue(_apiKey) ?? environment(ApiKeyVariable);
            using var api = new PipelineApiClient(url, string.IsNullOrWhiteSpace(apiKey) ? null : apiKey.Trim(), handler);
            return await action(api, cancellationToken);
        }
        catch (CliFailure failure)
        {
            await error.WriteLineAsync(failure.Message);
            return failure.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Canceled;
        }
        catch (Exception unexpected) when (unexpected is not OperationCanceledException)
        {
            // Still one line: an operator needs the reason, not a stack trace.
            await error.WriteLineAsync($"unexpected error: {unexpected.Message}");
            return ExitCodes.Failed;
        }
    }

    private Uri Url(ParseResult parse)
    {
        var text = parse.GetValue(_url) ?? environment(UrlVariable);
        text = string.IsNullOrWhiteSpace(text) ? DefaultUrl : text.Trim();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new CliFailure($"--url must be an http(s) address such as {DefaultUrl}, not '{text}'.", ExitCodes.Usage);
        }
        return url;
    }
}
