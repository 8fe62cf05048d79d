using Akka.Streams;
using Akka.Streams.Stage;
using Pipeline.Streams.Graph;

namespace Pipeline.Streams.Stages.Buffer;

/// <summary>
/// Why: a step that produces in bursts (renders finishing together) feeds one that runs at a steady rate (the
/// throttle); the buffer absorbs the burst up to <see cref="PipelineSettings.BufferSize"/> items, then stops pulling,
/// so upstream waits (back-pressure) and memory never grows past the size. Akka.Streams' <c>Buffer</c> fixes its size
/// when materialized; this one reads it live.
/// </summary>
/// <remarks>
/// Items keep their order. Raising the size pulls at once; lowering it drops nothing and pulls nothing until the
/// buffer drained below it. Its depth is <see cref="StageCounters.QueueDepth"/> of the pipeline it feeds.
/// </remarks>
public sealed class LiveBuffer<T> : GraphStage<FlowShape<T, T>>
{
    private readonly LiveSettings<PipelineSettings> _settings;
    private readonly StageCounters? _counters;

    public LiveBuffer(LiveSettings<PipelineSettings> settings, StageCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _counters = counters;
        Shape = new FlowShape<T, T>(In, Out);
    }

    public Inlet<T> In { get; } = new("LiveBuffer.in");

    public Outlet<T> Out { get; } = new("LiveBuffer.out");

    public override FlowShape<T, T> Shape { get; }

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : GraphStageLogic
    {
        private readonly LiveBuffer<T> _stage;
        private readonly Queue<T> _items = new();
        private IDisposable? _subscription;
        private int _capacity;

        public Logic(LiveBuffer<T> stage) : base(stage.Shape)
        {
            _stage = stage;
            SetHandler(stage.In, onPush: () =>
            {
                _items.Enqueue(Grab(stage.In));
                stage._counters?.AddQueueDepth(1);
                if (IsAvailable(stage.Out))
                {
                    PushNext();
                }
                PullIfRoom();
            }, onUpstreamFinish: () =>
            {
                if (_items.Count == 0)
                {
                    CompleteStage();
                }
            });
            SetHandler(stage.Out, onPull: () =>
            {
                if (_items.Count > 0)
                {
                    PushNext();
                }
                PullIfRoom();
            });
        }

        public override void PreStart()
        {
            _capacity = _stage._settings.Current.BufferSize;
            var changed = GetAsyncCallback<int>(capacity =>
            {
                _capacity = capacity;
                PullIfRoom();
            });
            _subscription = _stage._settings.OnChange(s => changed(s.BufferSize));
            PullIfRoom();
        }

        public override void PostStop()
        {
            _subscription?.Dispose();
            // Items left in a stopped buffer are handed back by the run, not held here: they leave the depth too.
            _stage._counters?.AddQueueDepth(-_items.Count);
            _items.Clear();
        }

        private void PushNext()
        {
            Push(_stage.Out, _items.Dequeue());
            _stage._counters?.AddQueueDepth(-1);
            if (_items.Count == 0 && IsClosed(_stage.In))
            {
                CompleteStage();
            }
        }

        private void PullIfRoom()
        {
            if (_items.Count < _capacity && !HasBeenPulled(_stage.In) && !IsClosed(_stage.In))
            {
                Pull(_stage.In);
            }
        }
    }
}
