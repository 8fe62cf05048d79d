namespace Pipeline.Tests.Support;

/// <summary>
/// Waits for a condition that becomes true shortly after an event the test cannot await (runtime counters are
/// published after the replies go out). The timeout only bounds a hang; nothing is asserted about speed.
/// </summary>
public static class Eventually
{
    public static async Task<bool> HoldsAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(5);
        }
        return true;
    }

    /// <summary>As <see cref="HoldsAsync(Func{bool}, TimeSpan?)"/>, for a condition read from storage or over HTTP.</summary>
    public static async Task<bool> HoldsAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(20);
        }
        return true;
    }
}
