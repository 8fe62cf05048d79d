namespace Pipeline.Actors.Runtime;

/// <summary>
/// The live entities of one shard, least recently used last. Not thread-safe: only its shard's loop touches it.
/// Passivation is eviction: an evicted entity is recovered from the journal on its next command.
/// </summary>
internal sealed class EntityCache<TCell>(int capacity, TimeSpan idleTimeout) where TCell : class
{
    private readonly Dictionary<string, LinkedListNode<Entry>> _byKey = new(StringComparer.Ordinal);

    /// <summary>Most recently used first.</summary>
    private readonly LinkedList<Entry> _recency = new();

    public int Count => _byKey.Count;

    public long Passivations { get; private set; }

    public bool TryGet(string key, long nowTicks, out TCell cell)
    {
        if (_byKey.TryGetValue(key, out var node))
        {
            node.Value.LastUsedTicks = nowTicks;
            _recency.Remove(node);
            _recency.AddFirst(node);
            cell = node.Value.Cell;
            return true;
        }
        cell = null!;
        return false;
    }

    public void Add(string key, TCell cell, long nowTicks)
    {
        Remove(key);
        _byKey[key] = _recency.AddFirst(new Entry(key, cell) { LastUsedTicks = nowTicks });
    }

    public void Remove(string key)
    {
        if (_byKey.Remove(key, out var node))
        {
            _recency.Remove(node);
        }
    }

    /// <summary>Drops entities idle longer than the timeout, then the least recently used beyond capacity.</summary>
    public void Passivate(long nowTicks, TimeProvider time)
    {
        while (_recency.Last is { } last &&
               (_byKey.Count > capacity || time.GetElapsedTime(last.Value.LastUsedTicks, nowTicks) > idleTimeout))
        {
            _byKey.Remove(last.Value.Key);
            _recency.RemoveLast();
            Passivations++;
        }
    }

    private sealed class Entry(string key, TCell cell)
    {
        public string Key { get; } = key;
        public TCell Cell { get; } = cell;
        public long LastUsedTicks { get; set; }
    }
}
