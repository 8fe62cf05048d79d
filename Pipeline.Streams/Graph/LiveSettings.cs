namespace Pipeline.Streams.Graph;

/// <summary>
/// A settings value that changes while the pipeline runs, in the manner of <c>IOptionsMonitor</c>: read
/// <see cref="Current"/>, or subscribe with <see cref="OnChange"/> and push each new value into the stages.
/// Every new value passes the validator first; a refused value throws and leaves <see cref="Current"/> as it was.
/// </summary>
public sealed class LiveSettings<T> where T : class
{
    /// <summary>Serializes updates, so listeners see values in the order they were set.</summary>
    private readonly Lock _lock = new();

    private readonly Action<T> _validate;
    private readonly List<Action<T>> _listeners = [];
    private T _current;

    /// <param name="initial">Validated like any later value.</param>
    /// <param name="validate">Throws (an <see cref="ArgumentException"/>) for a value that must not be used.</param>
    public LiveSettings(T initial, Action<T> validate)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(validate);
        validate(initial);
        _validate = validate;
        _current = initial;
    }

    public T Current => Volatile.Read(ref _current);

    /// <summary>Validates <paramref name="next"/>, makes it current and tells the listeners, in that order.</summary>
    public void Update(T next) => Update(_ => next);

    /// <summary>Derives the next value from the current one (<c>s =&gt; s with { Parallelism = 8 }</c>) without losing a concurrent update.</summary>
    public void Update(Func<T, T> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            var next = change(_current);
            ArgumentNullException.ThrowIfNull(next);
            _validate(next);
            Volatile.Write(ref _current, next);
            // Listeners run under the lock so a later value never overtakes an earlier one; they must be quick. One
            // that throws stops the rest and reaches the caller, but the value, already valid, stays current.
            foreach (var listener in _listeners.ToArray())
            {
                listener(next);
            }
        }
    }

    /// <summary>Calls <paramref name="listener"/> with the current value now and with every later one; dispose to stop.</summary>
    public IDisposable OnChange(Action<T> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_lock)
        {
            _listeners.Add(listener);
            listener(_current);
        }
        return new Subscription(this, listener);
    }

    private sealed class Subscription(LiveSettings<T> owner, Action<T> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._lock)
            {
                owner._listeners.Remove(listener);
            }
        }
    }
}
