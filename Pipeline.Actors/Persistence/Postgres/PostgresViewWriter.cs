using System.Collections.Frozen;
using Npgsql;
using Pipeline.Actors.Persistence.Postgres.Views;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>
/// Adds the writes of the read-side rows that entities project to the journal's batch (same transaction):
/// one statement per view type, in the order the types first appear.
/// </summary>
internal static class PostgresViewWriter
{
    private static readonly FrozenDictionary<Type, IPostgresRows> Writers = new IPostgresRows[]
    {
        new BatchRows(), new EventRows(), new MemberRows(), new RegistrationRows(), new OrderRows(), new PaymentRows(),
        new WebhookEndpointRows(),
    }.ToFrozenDictionary(w => w.ViewType);

    public static void AddTo(NpgsqlBatch batch, IEnumerable<object> views)
    {
        var byType = new Dictionary<Type, List<object>>();
        foreach (var view in views)
        {
            var type = view.GetType();
            if (!Writers.ContainsKey(type))
            {
                throw new NotSupportedException($"No read-side table for {type.Name}.");
            }
            if (!byType.TryGetValue(type, out var list))
            {
                byType.Add(type, list = []);
            }
            list.Add(view);
        }

        foreach (var (type, list) in byType)
        {
            foreach (var command in Writers[type].Commands(list))
            {
                batch.BatchCommands.Add(command);
            }
        }
    }
}
