namespace Pipeline.Streams.Jobs;

/// <summary>The run's lease was taken over by another node (this one stalled past it): the run stops and settles nothing.</summary>
public sealed class JobLeaseLostException(string jobId) : Exception($"The lease of job {jobId} was lost to another node.");
