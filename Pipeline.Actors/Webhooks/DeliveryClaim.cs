using Pipeline.Actors.Work;

namespace Pipeline.Actors.Webhooks;

/// <summary>A claimed delivery with what sending it needs: the endpoint's URL and secret as they were when it was claimed.</summary>
public sealed record DeliveryClaim(WorkItem Item, string Url, string Secret);
