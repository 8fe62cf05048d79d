namespace Pipeline.Host.Payments;

/// <summary>
/// A bounded set of recently seen ids (Razorpay webhook event ids), oldest forgotten first. It answers repeats
/// without touching storage; correctness does not depend on it, since confirming a payment is idempotent anyway.
/// </summary>
internal sealed class RecentIds(int capacity = 10_000)
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Lock _lock = new();

    public bool Contains(string id)
    {
        lock (_lock)
        {
            return _ids.Contains(id);
        }
    }

    public void Add(string id)
    {
        lock (_lock)
        {
            if (!_ids.Add(id))
            {
                return;
            }
            _order.Enqueue(id);
            while (_order.Count > capacity)
            {
                _ids.Remove(_order.Dequeue());
            }
        }
    }
}
