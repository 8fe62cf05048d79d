using Pipeline.Actors.Persistence;
using Pipeline.Tests.Storage;

namespace Pipeline.Tests.Streams.Pipelines.Jobs;

/// <summary>
/// An event with many paid registrations written straight into the read side (events, members, registrations), as the
/// journal projection would leave them: exports read nothing else, and 100,000 registrations through the payment API
/// would take minutes.
/// </summary>
public static class AttendeeSeed
{
    /// <summary>Into a database a host has migrated already.</summary>
    public static async Task SeedAsync(TestDatabase database, string eventId, int registrations)
    {
        foreach (var sql in database.Provider == StorageFactory.PostgresProvider ? Postgres(eventId, registrations) : Sqlite(eventId, registrations))
        {
            await database.ScalarAsync(sql);
        }
    }

    private static string[] Postgres(string eventId, int n) =>
    [
        $"INSERT INTO events (id, name, venue, starts_at, fee_amount, fee_currency, created_at) VALUES ('{eventId}', 'Seeded Conf', 'Pune', now(), 49900, 'INR', now())",
        $"""
        INSERT INTO members (id, name, phone, email, created_at)
        SELECT '{eventId}_mem_' || g, 'Member, "' || g || '"', '+9190' || lpad(g::text, 8, '0'), 'm' || g || '@example.com', now()
          FROM generate_series(1, {n}) g
        """,
        $"""
        INSERT INTO registrations (id, event_id, member_id, status, order_id, payment_id, amount, currency, paid_at, checked_in_at,
                                   ticket_status, ticket_sent_at, whatsapp_message_id, ticket_attempts, ticket_last_error, created_at)
        SELECT '{eventId}_reg_' || g, '{eventId}', '{eventId}_mem_' || g, 'paid', 'order_' || g, 'pay_' || g, 49900, 'INR', now(), NULL,
               'sent', now(), 'wamid_' || g, 1, NULL, now()
          FROM generate_series(1, {n}) g
        """,
    ];

    private static string[] Sqlite(string eventId, int n) =>
    [
        $"INSERT INTO events (id, name, venue, starts_at, fee_amount, fee_currency, created_at) VALUES ('{eventId}', 'Seeded Conf', 'Pune', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 49900, 'INR', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        $"""
        WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {n})
        INSERT INTO members (id, name, phone, email, created_at)
        SELECT '{eventId}_mem_' || n, 'Member, "' || n || '"', '+9190' || printf('%08d', n), 'm' || n || '@example.com', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
          FROM g
        """,
        $"""
        WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {n})
        INSERT INTO registrations (id, event_id, member_id, status, order_id, payment_id, amount, currency, paid_at, checked_in_at,
                                   ticket_status, ticket_sent_at, whatsapp_message_id, ticket_attempts, ticket_last_error, created_at)
        SELECT '{eventId}_reg_' || n, '{eventId}', '{eventId}_mem_' || n, 'paid', 'order_' || n, 'pay_' || n, 49900, 'INR',
               strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'sent', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'wamid_' || n, 1, NULL,
               strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
          FROM g
        """,
    ];
}
