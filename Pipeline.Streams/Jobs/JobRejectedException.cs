namespace Pipeline.Streams.Jobs;

/// <summary>A job that no retry can make succeed (its parameters are wrong): it fails at once with this message.</summary>
public sealed class JobRejectedException(string message) : Exception(message);
