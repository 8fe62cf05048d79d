using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Pipeline.Streams.Graph;

namespace Pipeline.Streams.Stages.Pause;

/// <summary>
/// Why: an operator stops a pipeline's flow without tearing the graph down and starts it again where it was. This is
/// Akka.Streams' <see cref="Valve{T}"/>, bound to <see cref="PipelineSettings.Paused"/>: closed, it pulls nothing, so
/// the items above it wait in place and back-pressure stops the source; running steps below it finish.
/// </summary>
public static class PauseValve
{
    /// <param name="own">Takes the settings subscription, to dispose when the run ends.</param>
    public static Flow<T, T, NotUsed> For<T>(LiveSettings<PipelineSettings> settings, Action<IDisposable> own)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(own);
        var initial = settings.Current.Paused ? SwitchMode.Close : SwitchMode.Open;
        return Flow.Create<T>()
            .ViaMaterialized(new Valve<T>(initial), Keep.Right)
            .MapMaterializedValue(valve =>
            {
                // The switch exists once the valve has started; from then on each change of Paused flips it.
                valve.ContinueWith(started => own(settings.OnChange(s => Flip(started.Result, s.Paused))),
                    CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                return NotUsed.Instance;
            });
    }

    private static void Flip(IValveSwitch valve, bool paused)
    {
        try
        {
            _ = valve.Flip(paused ? SwitchMode.Close : SwitchMode.Open);
        }
        catch (Exception)
        {
            // The valve's run has ended; the next run's valve starts from the current setting.
        }
    }
}
