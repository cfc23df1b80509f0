namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// The optimizer steps (<see cref="FastOptimizers"/>) shared over the worker pool: each worker
/// updates a contiguous share of whole 16-float blocks (<see cref="WorkerPool.ShareBlocks"/>). Every
/// element's update is independent of the others and goes through the same operations wherever it
/// falls, so the result is the reference's bit for bit at any thread count. Fewer parameters than
/// <see cref="WorkerPool.ParallelElements"/> stay on the calling thread. A step on one thread also
/// left the workers to fall asleep before the next step's first layer.
/// </summary>
internal sealed unsafe class ParallelOptimizerSteps : IParallelWork
{
    private readonly WorkerPool _pool;

    // The call in flight, read by the workers: an SGD step when _adam is false.
    private bool _adam;
    private float* _parameters, _gradients, _first, _second;
    private int _count;
    private SgdStepSettings _sgd;
    private AdamStepSettings _adamSettings;

    /// <param name="pool">The workers that share large steps.</param>
    public ParallelOptimizerSteps(WorkerPool pool) => _pool = pool;

    /// <summary>See <see cref="FastOptimizers.SgdStep"/>; <paramref name="velocity"/> is null without momentum.</summary>
    public void Sgd(float* parameters, float* gradients, float* velocity, int count, in SgdStepSettings settings)
    {
        _adam = false;
        _parameters = parameters;
        _gradients = gradients;
        _first = velocity;
        _count = count;
        _sgd = settings;
        Start();
    }

    /// <summary>See <see cref="FastOptimizers.AdamStep"/>.</summary>
    public void Adam(float* parameters, float* gradients, float* firstMoment, float* secondMoment, int count, in AdamStepSettings settings)
    {
        _adam = true;
        _parameters = parameters;
        _gradients = gradients;
        _first = firstMoment;
        _second = secondMoment;
        _count = count;
        _adamSettings = settings;
        Start();
    }

    private void Start()
    {
        if (_count < WorkerPool.ParallelElements || _pool.Threads == 1) Step(0, _count);
        else _pool.Run(this, _pool.Threads);
    }

    void IParallelWork.Execute(int worker, int workers)
    {
        (long start, long end) = WorkerPool.ShareBlocks(_count, worker, workers);
        if (start < end) Step((int)start, (int)end);
    }

    private void Step(int start, int end)
    {
        int n = end - start;
        var parameters = new Span<float>(_parameters + start, n);
        var gradients = new ReadOnlySpan<float>(_gradients + start, n);
        if (_adam)
            FastOptimizers.AdamStep(parameters, gradients, new Span<float>(_first + start, n), new Span<float>(_second + start, n), _adamSettings);
        else
            FastOptimizers.SgdStep(parameters, gradients, _first == null ? default : new Span<float>(_first + start, n), _sgd);
    }
}
