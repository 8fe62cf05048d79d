using System.Text.Json.Serialization;
using Pipeline.Actors.Runtime;

namespace Pipeline.Tests.Actors.Runtime;

/// <summary>
/// A tiny entity for runtime tests that need a behavior to misbehave: <see cref="Explode"/> throws in Decide,
/// <see cref="Corrupt"/> decides an event whose Apply half-changes the state and then throws.
/// </summary>
public sealed class CounterBehavior : IEntityBehavior<CounterState, CounterCommand, CounterEvent, long>
{
    public const long CorruptValue = -999;

    public string EntityType => "counter";

    public CounterState Create(string key) => new();

    public Decision<CounterEvent, long> Decide(CounterState state, CounterCommand command, DateTimeOffset now) => command switch
    {
        Add add => Decision<CounterEvent, long>.Persist(new Added(add.Amount), state.Value + add.Amount),
        ReadCounter => Decision<CounterEvent, long>.Only(state.Value),
        Explode => throw new InvalidOperationException("Decide failed on purpose"),
        Corrupt => Decision<CounterEvent, long>.Persist(new Corrupted(), CorruptValue),
        _ => throw new ArgumentOutOfRangeException(nameof(command)),
    };

    public CounterState Apply(CounterState state, CounterEvent @event)
    {
        switch (@event)
        {
            case Added added:
                state.Value += added.Amount;
                return state;
            case Corrupted:
                state.Value = CorruptValue;
                throw new InvalidOperationException("Apply failed on purpose");
            default:
                throw new ArgumentOutOfRangeException(nameof(@event));
        }
    }

    public CounterState Copy(CounterState state) => new() { Value = state.Value };

    public IReadOnlyList<object> Project(CounterState state, IReadOnlyList<CounterEvent> events) => [];
}

public sealed class CounterState
{
    public long Value { get; set; }
}

public abstract record CounterCommand;

public sealed record Add(long Amount) : CounterCommand;

public sealed record ReadCounter : CounterCommand;

public sealed record Explode : CounterCommand;

public sealed record Corrupt : CounterCommand;

[JsonPolymorphic(TypeDiscriminatorPropertyName = "$type")]
[JsonDerivedType(typeof(Added), "Added")]
[JsonDerivedType(typeof(Corrupted), "Corrupted")]
public abstract record CounterEvent;

public sealed record Added(long Amount) : CounterEvent;

public sealed record Corrupted : CounterEvent;
