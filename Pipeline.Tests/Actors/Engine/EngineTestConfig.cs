using Akka.Configuration;
using Pipeline.Actors.Serialization;

namespace Pipeline.Tests.Actors.Engine;

/// <summary>The actor-system settings of the engine tests: the journal serializer bound as the host binds it, plus storage.</summary>
public static class EngineTestConfig
{
    /// <summary>The serializer and its bindings, generated from <see cref="JournalSerializer.BoundTypes"/> like the host's.</summary>
    public static string Serialization
    {
        get
        {
            var bindings = string.Join("\n", JournalSerializer.BoundTypes.Select(t => $"\"{t.FullName}, {t.Assembly.GetName().Name}\" = pipeline-journal"));
            return $$"""
                akka.actor {
                  serializers.pipeline-journal = "Pipeline.Actors.Serialization.JournalSerializer, Pipeline.Actors"
                  serialization-bindings {
                    {{bindings}}
                  }
                  serialization-identifiers { "Pipeline.Actors.Serialization.JournalSerializer, Pipeline.Actors" = {{JournalSerializer.Id}} }
                }
                """;
        }
    }

    /// <summary>
    /// The in-memory journal (as <see cref="SerializingMemoryJournal"/>, so events pass through the serializer) and the
    /// local snapshot store in <paramref name="snapshotDirectory"/> (files: snapshots are serialized too).
    /// </summary>
    public static Config InMemory(string snapshotDirectory) => ConfigurationFactory.ParseString($$"""
        {{Serialization}}
        akka.loglevel = INFO
        akka.persistence {
          journal.plugin = "akka.persistence.journal.inmem"
          journal.inmem.class = "{{typeof(SerializingMemoryJournal).FullName}}, {{typeof(SerializingMemoryJournal).Assembly.GetName().Name}}"
          snapshot-store.plugin = "akka.persistence.snapshot-store.local"
          snapshot-store.local.dir = "{{snapshotDirectory.Replace("\\", "/")}}"
        }
        """);
}
