using Pipeline.Actors.Work;

namespace Pipeline.Actors.Webhooks;

/// <summary>
/// A delivery's status as the contract names it, read off its work item: <c>done</c> is delivered, <c>dead</c> is
/// dead, and a pending item is <c>failed</c> once an attempt failed (it waits for its next one) and <c>pending</c>
/// before any attempt failed.
/// </summary>
public enum DeliveryStatus
{
    Pending,
    Failed,
    Delivered,
    Dead,
}

public static class DeliveryStatuses
{
    public static IReadOnlyList<string> Names { get; } = ["pending", "failed", "delivered", "dead"];

    public static DeliveryStatus Of(WorkItemView item) => item.State switch
    {
        "done" => DeliveryStatus.Delivered,
        "dead" => DeliveryStatus.Dead,
        _ => item.Attempts > 0 ? DeliveryStatus.Failed : DeliveryStatus.Pending,
    };

    /// <summary>
    /// Attempts made: the work item counts failures (and lost leases), so a delivered item made one more than it counts.
    /// </summary>
    public static int AttemptsOf(WorkItemView item) => item.Attempts + (item.State == "done" ? 1 : 0);

    public static string Name(this DeliveryStatus status) => Names[(int)status];

    public static bool TryParse(string text, out DeliveryStatus status)
    {
        var index = Names.ToList().IndexOf(text);
        status = (DeliveryStatus)Math.Max(index, 0);
        return index >= 0;
    }
}
