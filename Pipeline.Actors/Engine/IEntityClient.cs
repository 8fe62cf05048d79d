namespace Pipeline.Actors.Engine;

/// <summary>Sends a command to one entity of a type, wherever it lives in the cluster, and returns its reply (after its write).</summary>
public interface IEntityClient<in TCommand, TReply>
{
    Task<TReply> AskAsync(string key, TCommand command, CancellationToken cancellationToken = default);
}
