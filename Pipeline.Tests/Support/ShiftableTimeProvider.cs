using System.Diagnostics;

namespace Pipeline.Tests.Support;

/// <summary>
/// The real clock, which a test can move forward at once (<see cref="Advance"/>). For a host whose polls and timeouts
/// must keep running in real time while one long wait (a circuit's break) ends exactly when the test says, not when
/// a loaded machine happens to get there. Timers run for their real durations.
/// </summary>
public sealed class ShiftableTimeProvider : TimeProvider
{
    /// <summary>How far the test has moved the clock, in <see cref="TimeSpan"/> ticks.</summary>
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    public override long GetTimestamp() =>
        System.GetTimestamp() + (long)(Offset.Ticks * ((double)Stopwatch.Frequency / TimeSpan.TicksPerSecond));

    public override long TimestampFrequency => Stopwatch.Frequency;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
