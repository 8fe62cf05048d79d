namespace Pipeline.Actors.Engine;

/// <summary>How every entity of one type runs: the snapshot interval and the largest group commit.</summary>
/// <param name="SnapshotEvery">A snapshot after every this many events (0: never), so recovery reads a snapshot and a short tail.</param>
/// <param name="MaxCommandsPerWrite">Commands decided together into one journal write while the previous write is in flight.</param>
public sealed record EntitySettings(int SnapshotEvery = 1000, int MaxCommandsPerWrite = 1000);
