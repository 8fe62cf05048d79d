namespace Pipeline.Actors.Entities.Batches;

/// <summary>A batch's state as a snapshot: the remembered keyed requests flattened in the order they were first used.</summary>
public sealed record BatchSnapshot(
    string Id, bool Exists, string Sku, long Quantity, long Remaining, long Version, DateTimeOffset CreatedAt,
    IReadOnlyList<BatchSnapshot.Request> Requests)
{
    /// <param name="Consumed">The remembered reply: consumed (with <paramref name="Quantity"/>, <paramref name="Remaining"/>,
    /// <paramref name="Version"/>) or refused for insufficient quantity (with <paramref name="Remaining"/>).</param>
    public sealed record Request(string Key, string RequestHash, DateTimeOffset At, bool Consumed, long Quantity, long Remaining, long Version);

    public static BatchSnapshot Of(BatchState state)
    {
        var requests = new List<Request>(state.RequestsByAge.Count);
        foreach (var (key, at) in state.RequestsByAge)
        {
            if (!state.Requests.TryGetValue(key, out var remembered)) continue;
            requests.Add(remembered.Reply switch
            {
                BatchReply.Consumed c => new Request(key, remembered.RequestHash, at, true, c.Quantity, c.Remaining, c.Version),
                BatchReply.InsufficientQuantity i => new Request(key, remembered.RequestHash, at, false, 0, i.Remaining, 0),
                var other => throw new InvalidOperationException($"A remembered {other.GetType().Name} cannot be snapshotted."),
            });
        }
        return new BatchSnapshot(state.Id, state.Exists, state.Sku, state.Quantity, state.Remaining, state.Version, state.CreatedAt, requests);
    }

    public BatchState ToState()
    {
        var state = new BatchState(Id)
        {
            Exists = Exists, Sku = Sku, Quantity = Quantity, Remaining = Remaining, Version = Version, CreatedAt = CreatedAt,
        };
        foreach (var r in Requests)
        {
            BatchReply reply = r.Consumed
                ? new BatchReply.Consumed(Id, r.Quantity, r.Remaining, r.Version, Replayed: false)
                : new BatchReply.InsufficientQuantity(r.Remaining, Replayed: false);
            state.Requests[r.Key] = new BatchState.RememberedRequest(r.RequestHash, reply);
            state.RequestsByAge.Enqueue((r.Key, r.At));
        }
        return state;
    }
}
