namespace Pipeline.Actors.Projections;

/// <summary>The events of one entity the projection needs to rebuild its copy: sequence numbers in [FromSeq, ToSeq].</summary>
public sealed record EntityHistory(string PersistenceId, long FromSeq, long ToSeq);
