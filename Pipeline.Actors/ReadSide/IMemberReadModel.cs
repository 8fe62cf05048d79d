using Pipeline.Actors.Entities.Members;

namespace Pipeline.Actors.ReadSide;

public interface IMemberReadModel
{
    Task<MemberView?> GetAsync(string id, CancellationToken cancellationToken = default);
}
