using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Pipeline.Tests.Operations;

/// <summary>Lets a test act as several clients: <c>X-Test-Remote-Ip</c> becomes the connection's remote address.</summary>
public sealed class RemoteIpFromHeader : IStartupFilter
{
    public const string Header = "X-Test-Remote-Ip";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Headers.TryGetValue(Header, out var ip))
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(ip.ToString());
            }
            return nextMiddleware(context);
        });
        next(app);
    };
}

/// <summary>
/// Forwards every call of <typeparamref name="T"/> to an inner instance except the methods a test overrides by
/// name, so a test can break one thing (a ping, a claim) without re-implementing an interface others still grow.
/// </summary>
public class Forwarding<T> : DispatchProxy where T : class
{
    private T _inner = null!;
    private Func<MethodInfo, object?[]?, (bool Handled, object? Result)> _override = (_, _) => (false, null);

    public static T Create(T inner, Func<MethodInfo, object?[]?, (bool Handled, object? Result)> intercept)
    {
        var proxy = DispatchProxy.Create<T, Forwarding<T>>();
        var forwarding = (Forwarding<T>)(object)proxy;
        forwarding._inner = inner;
        forwarding._override = intercept;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var (handled, result) = _override(targetMethod, args);
        if (handled)
        {
            return result;
        }
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
    }
}

/// <summary>One captured log line with its structured state and the values of every scope it was written in.</summary>
public sealed record CapturedLog(
    string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> State, IReadOnlyDictionary<string, object?> Scopes);

/// <summary>Captures what the host logs, scopes included, as a structured logging backend would see it.</summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<CapturedLog> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => capture._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = new Dictionary<string, object?>();
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    values[key] = value;
                }
            }
            var scopes = new Dictionary<string, object?>();
            capture._scopes.ForEachScope(static (scope, all) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    foreach (var (key, value) in pairs)
                    {
                        all[key] = value;
                    }
                }
            }, scopes);
            capture._entries.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception), values, scopes));
        }
    }
}
