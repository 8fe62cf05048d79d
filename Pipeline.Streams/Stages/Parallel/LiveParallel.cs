using Akka.Streams;
using Akka.Streams.Stage;
using Pipeline.Streams.Graph;

namespace Pipeline.Streams.Stages.Parallel;

/// <summary>
/// Why: the steps of a pipeline are I/O (render and upload a ticket, call an endpoint), so they run several at once,
/// and an operator changes how many on a running pipeline. This is Akka.Streams' <c>SelectAsyncUnordered</c> with its
/// parallelism read live from <see cref="PipelineSettings.Parallelism"/>: it pulls a new item only while fewer steps
/// run than the limit, and emits results as their steps finish.
/// </summary>
/// <remarks>
/// Not <c>SelectAsyncUnordered(ParallelDefaults.MaxParallelism, …)</c> gated by a semaphore: that pulls up to 1,024
/// items at once and parks the surplus in tasks waiting for a permit, taking them out of the buffer (its bound and
/// queue depth stop meaning anything) and past the throttle (they would start in a burst when permits free, breaking
/// the rate). Growing the limit pulls at once; shrinking lets running steps finish and starts none until fewer than
/// the new limit run. A step that throws fails the stage, as in Akka: callers catch what they can settle.
/// </remarks>
public sealed class LiveParallel<TIn, TOut> : GraphStage<FlowShape<TIn, TOut>>
{
    private readonly LiveSettings<PipelineSettings> _settings;
    private readonly Func<TIn, Task<TOut>> _step;

    public LiveParallel(LiveSettings<PipelineSettings> settings, Func<TIn, Task<TOut>> step)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(step);
        _settings = settings;
        _step = step;
        Shape = new FlowShape<TIn, TOut>(In, Out);
    }

    public Inlet<TIn> In { get; } = new("LiveParallel.in");

    public Outlet<TOut> Out { get; } = new("LiveParallel.out");

    public override FlowShape<TIn, TOut> Shape { get; }

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : GraphStageLogic
    {
        private readonly LiveParallel<TIn, TOut> _stage;

        /// <summary>Results of finished steps that downstream has not taken yet; they still count against the limit.</summary>
        private readonly Queue<TOut> _done = new();

        private readonly Action<Task<TOut>> _finished;
        private IDisposable? _subscription;
        private int _limit;
        private int _running;

        public Logic(LiveParallel<TIn, TOut> stage) : base(stage.Shape)
        {
            _stage = stage;
            _finished = GetAsyncCallback<Task<TOut>>(OnFinished);
            SetHandler(stage.In, onPush: () =>
            {
                var item = Grab(stage.In);
                _running++;
                Task<TOut> step;
                try
                {
                    step = stage._step(item);
                }
                catch (Exception error)
                {
                    step = Task.FromException<TOut>(error);
                }
                if (step.IsCompleted)
                {
                    OnFinished(step);
                }
                else
                {
                    step.ContinueWith(_finished, TaskContinuationOptions.ExecuteSynchronously);
                }
                PullIfRoom();
            }, onUpstreamFinish: () =>
            {
                if (_running == 0 && _done.Count == 0)
                {
                    CompleteStage();
                }
            });
            SetHandler(stage.Out, onPull: () =>
            {
                if (_done.TryDequeue(out var result))
                {
                    Push(stage.Out, result);
                    CompleteIfFinished();
                }
                PullIfRoom();
            });
        }

        public override void PreStart()
        {
            _limit = _stage._settings.Current.Parallelism;
            var changed = GetAsyncCallback<int>(limit =>
            {
                _limit = limit;
                PullIfRoom();
            });
            _subscription = _stage._settings.OnChange(s => changed(s.Parallelism));
            PullIfRoom();
        }

        public override void PostStop() => _subscription?.Dispose();

        private void OnFinished(Task<TOut> step)
        {
            _running--;
            if (!step.IsCompletedSuccessfully)
            {
                FailStage(step.Exception?.InnerException ?? new TaskCanceledException(step));
                return;
            }
            if (IsAvailable(_stage.Out))
            {
                Push(_stage.Out, step.Result);
            }
            else
            {
                _done.Enqueue(step.Result);
            }
            CompleteIfFinished();
            PullIfRoom();
        }

        private void PullIfRoom()
        {
            if (_running + _done.Count < _limit && !HasBeenPulled(_stage.In) && !IsClosed(_stage.In))
            {
                Pull(_stage.In);
            }
        }

        private void CompleteIfFinished()
        {
            if (IsClosed(_stage.In) && _running == 0 && _done.Count == 0)
            {
                CompleteStage();
            }
        }
    }
}
