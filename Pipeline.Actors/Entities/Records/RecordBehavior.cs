using Pipeline.Actors.Runtime;

namespace Pipeline.Actors.Entities.Records;

/// <summary>The one event of a write-once record: the record itself.</summary>
public sealed record RecordCreated<TView>(TView View);

public abstract record RecordReply<TView>
{
    public sealed record Created(TView View) : RecordReply<TView>;

    public sealed record AlreadyExists(TView View) : RecordReply<TView>;
}

/// <summary>
/// An entity that is created once and then only read: events and members. Going through the runtime anyway
/// gives them the journal, the same-transaction read side, and a single writer per id.
/// </summary>
public sealed class RecordBehavior<TView>(string entityType) : IEntityBehavior<TView?, TView, RecordCreated<TView>, RecordReply<TView>>
    where TView : class
{
    public string EntityType => entityType;

    public TView? Create(string key) => null;

    public Decision<RecordCreated<TView>, RecordReply<TView>> Decide(TView? state, TView command, DateTimeOffset now) =>
        state is null
            ? Decision<RecordCreated<TView>, RecordReply<TView>>.Persist(new RecordCreated<TView>(command), new RecordReply<TView>.Created(command))
            : Decision<RecordCreated<TView>, RecordReply<TView>>.Only(new RecordReply<TView>.AlreadyExists(state));

    public TView? Apply(TView? state, RecordCreated<TView> @event) => @event.View;

    public IReadOnlyList<object> Project(TView? state, IReadOnlyList<RecordCreated<TView>> events) => state is null ? [] : [state];
}
