using System.Threading.Channels;

namespace Pipeline.Actors.Persistence;

/// <summary>
/// Group commit for one kind of statement: every request waiting at the moment a statement starts goes into it, so under
/// load a request costs a share of one round trip instead of one of its own, and an idle system pays no wait. Each of
/// <c>loops</c> statements in flight at once takes what is waiting, up to <c>maxWeight</c> (a request weighs one, or
/// what <c>weight</c> says, e.g. its rows; a request is never split). The statement answers each request in order, or
/// fails them all.
/// </summary>
/// <remarks>
/// A request is not cancelled once queued: its statement may be on its way, and its outcome is the request's. Callers
/// that may stop waiting use <c>WaitAsync</c> on the task.
/// </remarks>
public sealed class GroupedStatements<TRequest, TResult> : IAsyncDisposable
{
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>();
    private readonly Func<IReadOnlyList<TRequest>, Task<IReadOnlyList<TResult>>> _statement;
    private readonly Func<TRequest, int> _weight;
    private readonly int _maxWeight;
    private readonly Task[] _loops;

    /// <param name="statement">Runs one statement for the requests given; returns one result per request, in their order.</param>
    public GroupedStatements(int loops, int maxWeight, Func<IReadOnlyList<TRequest>, Task<IReadOnlyList<TResult>>> statement, Func<TRequest, int>? weight = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(loops);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxWeight);
        _statement = statement;
        _weight = weight ?? (static _ => 1);
        _maxWeight = maxWeight;
        _loops = [.. Enumerable.Range(0, loops).Select(_ => Task.Run(LoopAsync))];
    }

    /// <summary>Queues the request for the next statement; completes with its result once that statement has run.</summary>
    public Task<TResult> RunAsync(TRequest request)
    {
        var pending = new Pending(request);
        return _pending.Writer.TryWrite(pending)
            ? pending.Result.Task
            : Task.FromException<TResult>(new ObjectDisposedException(GetType().Name));
    }

    private async Task LoopAsync()
    {
        var batch = new List<Pending>();
        var requests = new List<TRequest>();
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var weight = 0;
            while (weight < _maxWeight && _pending.Reader.TryRead(out var next))
            {
                batch.Add(next);
                requests.Add(next.Request);
                weight += _weight(next.Request);
            }
            if (batch.Count == 0)
            {
                continue; // another loop took them
            }
            try
            {
                var results = await _statement(requests).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Result.TrySetResult(results[i]);
                }
            }
            catch (Exception error)
            {
                foreach (var failed in batch)
                {
                    failed.Result.TrySetException(error);
                }
            }
            batch.Clear();
            requests.Clear();
        }
    }

    /// <summary>Takes no more requests and waits for the statements already queued.</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    private sealed record Pending(TRequest Request)
    {
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
