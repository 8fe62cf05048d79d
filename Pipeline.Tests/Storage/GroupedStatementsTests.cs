using System.Collections.Concurrent;
using Pipeline.Actors.Persistence;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Storage;

/// <summary>
/// The group commit behind the journal's writes and recovery reads and the payment claims: requests waiting together
/// share a statement, each gets its own answer, a failed statement fails only its own requests.
/// </summary>
public sealed class GroupedStatementsTests
{
    [Fact]
    public async Task Requests_waiting_together_share_a_statement_and_each_gets_its_own_result()
    {
        var statements = new ConcurrentQueue<int>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var grouped = new GroupedStatements<int, string>(loops: 1, maxWeight: 1_000, async batch =>
        {
            statements.Enqueue(batch.Count);
            await release.Task; // the first statement holds the loop while the rest queue up
            return batch.Select(n => $"r{n}").ToList();
        });

        var first = grouped.RunAsync(0);
        await Eventually.HoldsAsync(() => statements.Count == 1);
        var rest = Enumerable.Range(1, 200).Select(grouped.RunAsync).ToList();
        release.SetResult();

        Assert.Equal("r0", await first);
        Assert.Equal(Enumerable.Range(1, 200).Select(n => $"r{n}"), await Task.WhenAll(rest));
        Assert.Equal(new[] { 1, 200 }, statements.ToArray());
    }

    [Fact]
    public async Task A_statement_takes_no_more_than_its_weight_and_never_splits_a_request()
    {
        var taken = new ConcurrentQueue<int[]>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var grouped = new GroupedStatements<int, int>(loops: 1, maxWeight: 10, async batch =>
        {
            taken.Enqueue([.. batch]);
            await release.Task;
            return batch;
        }, weight: rows => rows);

        var first = grouped.RunAsync(1);
        await Eventually.HoldsAsync(() => taken.Count == 1);
        var rest = new[] { 4, 4, 4, 25, 1 }.Select(grouped.RunAsync).ToList();
        release.SetResult();
        await Task.WhenAll(rest.Append(first));

        // 4+4+4 reaches the weight after the third; 25 alone exceeds it and still goes whole.
        Assert.Equal(new[] { "1", "4,4,4", "25", "1" }, taken.Select(t => string.Join(',', t)).ToArray());
    }

    [Fact]
    public async Task A_failed_statement_fails_its_own_requests_and_the_next_statement_runs()
    {
        var calls = 0;
        await using var grouped = new GroupedStatements<string, string>(loops: 1, maxWeight: 100, batch =>
            Interlocked.Increment(ref calls) == 1
                ? Task.FromException<IReadOnlyList<string>>(new InvalidOperationException("the database went away"))
                : Task.FromResult<IReadOnlyList<string>>(batch.Select(s => s.ToUpperInvariant()).ToList()));

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => grouped.RunAsync("a"));
        Assert.Equal("the database went away", failed.Message);
        Assert.Equal("B", await grouped.RunAsync("b"));
    }

    [Fact]
    public async Task Disposing_runs_what_was_queued_and_then_refuses_more()
    {
        var grouped = new GroupedStatements<int, int>(loops: 2, maxWeight: 5, batch => Task.FromResult<IReadOnlyList<int>>(batch.Select(n => n * 2).ToList()));
        var queued = Enumerable.Range(1, 50).Select(grouped.RunAsync).ToList();
        await grouped.DisposeAsync();

        Assert.Equal(Enumerable.Range(1, 50).Select(n => n * 2), await Task.WhenAll(queued));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => grouped.RunAsync(51));
    }
}
