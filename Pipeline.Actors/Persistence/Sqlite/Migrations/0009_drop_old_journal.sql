-- The hand-written runtime's event journal: entities are journaled by Akka.Persistence.Sql in event_journal now, and
-- nothing reads or writes this table any more. Its events were never carried over (the read side, outbox and work
-- items they produced stay where they are).
DROP TABLE IF EXISTS journal;
