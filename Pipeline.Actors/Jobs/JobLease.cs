namespace Pipeline.Actors.Jobs;

/// <summary>
/// A job claimed by one node. Every write of the run (progress, file chunks, the outcome) carries <see cref="LeaseToken"/>:
/// once the lease expired and another node claimed the job, the first node's writes change nothing.
/// </summary>
/// <param name="Attempts">This run included.</param>
public sealed record JobLease(string Id, string Type, string Priority, string Parameters, int Attempts, string LeaseToken, DateTimeOffset LeasedUntil);
