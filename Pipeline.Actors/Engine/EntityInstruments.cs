using System.Diagnostics.Metrics;

namespace Pipeline.Actors.Engine;

/// <summary>
/// The entities' histograms, made on the host's meter. Plain System.Diagnostics.Metrics: the engine knows no exporter,
/// the host decides where measurements go.
/// </summary>
public sealed class EntityInstruments(Meter meter)
{
    /// <summary>From half a millisecond (SQLite, a warm page) to 10 s (a stalled database).</summary>
    public static readonly double[] Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public Histogram<double> JournalWrite { get; } = meter.CreateHistogram("pipeline_journal_write_duration_seconds", "s",
        "One group-commit write of an entity, from PersistAllAsync to the journal's confirmation, by entity type.",
        tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });

    public Histogram<double> Recovery { get; } = meter.CreateHistogram("pipeline_entity_recovery_duration_seconds", "s",
        "An entity's recovery from snapshot and journal, from its start to RecoveryCompleted, by entity type.",
        tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });
}
