using System.Runtime.Intrinsics;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// output[i] = a[i] + b[i] for the fast backend's <see cref="CpuBackend.Add"/> (residual sums at
/// inference, gradient sums in training), split over the workers from <see cref="WorkerPool.ParallelElements"/>
/// floats on in fixed shares of 16-float blocks, as a ReLU is (<see cref="FastActivationOperator"/>).
/// Each element is one float addition, so the result is the same on any thread count, and the output
/// may be either input. A pass over a ResNet-18 block's output is bound by memory: one thread
/// streaming two inputs and an output left the second core's bandwidth unused.
/// </summary>
internal sealed unsafe class ElementwiseSum : IParallelWork
{
    private readonly WorkerPool _pool;

    // The call in flight, read by the workers.
    private float* _a, _b, _output;
    private long _count;

    /// <param name="pool">The workers that share large sums.</param>
    public ElementwiseSum(WorkerPool pool) => _pool = pool;

    /// <summary>output[i] = a[i] + b[i] for i below <paramref name="count"/>.</summary>
    public void Run(float* a, float* b, float* output, long count)
    {
        if (count < WorkerPool.ParallelElements || _pool.Threads == 1)
        {
            Sum(a, b, output, 0, count);
            return;
        }
        _a = a;
        _b = b;
        _output = output;
        _count = count;
        _pool.Run(this, _pool.Threads);
    }

    void IParallelWork.Execute(int worker, int workers)
    {
        (long first, long end) = WorkerPool.ShareBlocks(_count, worker, workers);
        if (first < end) Sum(_a, _b, _output, first, end);
    }

    private static void Sum(float* a, float* b, float* output, long first, long end)
    {
        long i = first;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= end - Vector512<float>.Count; i += Vector512<float>.Count)
                (Vector512.Load(a + i) + Vector512.Load(b + i)).Store(output + i);
        for (; i <= end - Vector256<float>.Count; i += Vector256<float>.Count)
            (Vector256.Load(a + i) + Vector256.Load(b + i)).Store(output + i);
        for (; i < end; i++) output[i] = a[i] + b[i];
    }
}
