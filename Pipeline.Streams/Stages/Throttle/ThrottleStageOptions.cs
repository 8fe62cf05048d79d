namespace Pipeline.Streams.Stages.Throttle;

public sealed class ThrottleStageOptions
{
    /// <summary>Items per second; default <see cref="ThrottleDefaults.RatePerSecond"/>, above 0 and at most 100,000. Changeable later through <see cref="ThrottleStage{T}.RatePerSecond"/>.</summary>
    public double RatePerSecond { get; init; } = ThrottleDefaults.RatePerSecond;

    /// <summary>Top-up period; default <see cref="ThrottleDefaults.ReplenishmentPeriod"/> (100 ms), from 1 ms to 1 min.</summary>
    public TimeSpan ReplenishmentPeriod { get; init; } = ThrottleDefaults.ReplenishmentPeriod;

    /// <summary>Time's worth of tokens the bucket holds at most; default <see cref="ThrottleDefaults.BurstWindow"/> (500 ms), at least the top-up period. Never less than one token.</summary>
    public TimeSpan BurstWindow { get; init; } = ThrottleDefaults.BurstWindow;

    /// <summary>The clock of the bucket and its top-up timer; default <see cref="TimeProvider.System"/> (tests pass a manual one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
