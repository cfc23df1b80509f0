using Cnn.Backends.Cpu.Reference;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Pooling split over the pool by fixed shares of (sample, channel) planes, with dedicated paths
/// for the common 2×2, stride-2, unpadded pools (<see cref="Pool2x2"/>, and a scalar one for
/// max-pool planes with a NaN or processors without AVX2). Other max, average and sum windows run
/// <see cref="PoolPlanes"/>, with the windows worked out once; adaptive pooling and max-pool planes
/// that hold a NaN run the reference's plane kernels, in float.
/// </summary>
internal sealed unsafe class FastPool2dOperator : IPool2dOperator, IParallelWork
{
    private readonly Pool2dGeometry _g;
    private readonly WorkerPool _pool;
    private readonly bool _twoByTwo, _max2x2, _windowed;
    private readonly int _inPlane, _outPlane;
    private readonly PoolPlanes.Windows? _windows;
    private readonly PoolPlanes.Windows? _indexWindows;

    private bool _backward;
    private int _planes;
    private float* _input, _output, _outputGradient, _inputGradient;
    private byte* _indices;

    public FastPool2dOperator(in Pool2dGeometry geometry, WorkerPool pool)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
        _pool = pool;
        _inPlane = _g.InHeight * _g.InWidth;
        _outPlane = _g.OutHeight * _g.OutWidth;
        _twoByTwo = _g.Kind != PoolKind.AdaptiveAverage && _g.KernelHeight == 2 && _g.KernelWidth == 2 && _g.StrideHeight == 2 && _g.StrideWidth == 2
                    && _g.PaddingHeight == 0 && _g.PaddingWidth == 0 && _g.OutHeight == _g.InHeight / 2 && _g.OutWidth == _g.InWidth / 2;
        _max2x2 = _twoByTwo && _g.Kind == PoolKind.Max;
        _windowed = !_max2x2 && _g.Kind != PoolKind.AdaptiveAverage;
        if (_windowed) _windows = new PoolPlanes.Windows(_g);
        if (CompactMasks.HasPoolIndices(_g)) _indexWindows = _windows ?? new PoolPlanes.Windows(_g);
    }

    /// <summary>The layer's shapes.</summary>
    internal Pool2dGeometry Geometry => _g;

    public void Forward(int batch, Tensor input, Tensor output)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        _input = CpuTensor.Pointer(input, (long)batch * _g.InputSize, nameof(input));
        _output = CpuTensor.Pointer(output, (long)batch * _g.OutputSize, nameof(output));
        Dispatch(batch, backward: false);
    }

    public void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (inputGradient.IsEmpty) return;
        // Average and sum pooling read neither the input nor the output: a planned network passes none.
        bool max = _g.Kind == PoolKind.Max;
        _input = max ? CpuTensor.Pointer(input, (long)batch * _g.InputSize, nameof(input)) : null;
        _output = _windowed && max ? CpuTensor.Pointer(output, (long)batch * _g.OutputSize, nameof(output)) : null;
        _outputGradient = CpuTensor.Pointer(outputGradient, (long)batch * _g.OutputSize, nameof(outputGradient));
        _inputGradient = CpuTensor.Pointer(inputGradient, (long)batch * _g.InputSize, nameof(inputGradient));
        Dispatch(batch, backward: true);
    }

    public void ForwardSavingIndices(int batch, Tensor input, Tensor output, Tensor indices)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        CompactMasks.RequirePoolIndices(_g);
        _input = CpuTensor.Pointer(input, (long)batch * _g.InputSize, nameof(input));
        _output = CpuTensor.Pointer(output, (long)batch * _g.OutputSize, nameof(output));
        _indices = IndexPointer(indices, batch);
        Dispatch(batch, backward: false);
        _indices = null;
    }

    public void BackwardFromIndices(int batch, Tensor indices, Tensor outputGradient, Tensor inputGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        CompactMasks.RequirePoolIndices(_g);
        if (inputGradient.IsEmpty) return;
        _indices = IndexPointer(indices, batch);
        _outputGradient = CpuTensor.Pointer(outputGradient, (long)batch * _g.OutputSize, nameof(outputGradient));
        _inputGradient = CpuTensor.Pointer(inputGradient, (long)batch * _g.InputSize, nameof(inputGradient));
        Dispatch(batch, backward: true);
        _indices = null;
    }

    private byte* IndexPointer(Tensor indices, int batch)
        => (byte*)CpuTensor.Pointer(indices, (long)batch * CompactMasks.PoolIndexFloats(_g.OutputSize), nameof(indices));

    private void Dispatch(int batch, bool backward)
    {
        _planes = batch * _g.Channels;
        _backward = backward;
        _pool.Run(this, (long)batch * _g.InputSize >= WorkerPool.ParallelElements ? _pool.Threads : 1);
    }

    void IParallelWork.Execute(int worker, int workers)
    {
        (int first, int end) = WorkerPool.Share(_planes, worker, workers);
        if (_indices != null)
        {
            ExecuteWithIndices(first, end);
            return;
        }
        for (int plane = first; plane < end; plane++)
        {
            float* x = _input == null ? null : _input + (long)plane * _inPlane;
            if (_backward)
            {
                float* dy = _outputGradient + (long)plane * _outPlane, dx = _inputGradient + (long)plane * _inPlane;
                if (_max2x2 && Pool2x2.IsSupported && Pool2x2.MaxBackward(x, dy, dx, _g.InHeight, _g.InWidth)) continue;
                if (_twoByTwo && !_max2x2 && Pool2x2.IsSupported)
                {
                    Pool2x2.AverageBackward(dy, dx, _g.InHeight, _g.InWidth, _g.Kind == PoolKind.Sum);
                    continue;
                }
                if (_max2x2)
                {
                    new Span<float>(dx, _inPlane).Clear();
                    MaxBackward2x2(x, dy, dx);
                }
                else if (_windowed && _g.Kind != PoolKind.Max)
                {
                    PoolPlanes.AverageBackward(_windows!, _g.InHeight, _g.InWidth, _g.OutHeight, _g.OutWidth, dy, dx, _g.Kind == PoolKind.Sum);
                }
                else if (_windowed && !PoolPlanes.HasNaN(x, _inPlane))
                {
                    PoolPlanes.MaxBackward(_windows!, _g.InHeight, _g.InWidth, _g.OutHeight, _g.OutWidth, x, _output + (long)plane * _outPlane, dy, dx);
                }
                else
                {
                    Pool2dReference.BackwardPlane<float>(_g, x == null ? default : new ReadOnlySpan<float>(x, _inPlane), new ReadOnlySpan<float>(dy, _outPlane), new Span<float>(dx, _inPlane));
                }
            }
            else
            {
                ForwardPlane(x, _output + (long)plane * _outPlane);
            }
        }
    }

    /// <summary>
    /// Pools images [<paramref name="first"/>, <paramref name="end"/>) of <paramref name="input"/> on
    /// the calling thread: what a fused convolution does with each image it has just finished, while
    /// that image is still in cache.
    /// </summary>
    internal void ForwardImages(float* input, float* output, int first, int end)
    {
        for (long plane = (long)first * _g.Channels; plane < (long)end * _g.Channels; plane++)
            ForwardPlane(input + plane * _inPlane, output + plane * _outPlane);
    }

    /// <summary>
    /// Pools all <paramref name="batch"/> images of <paramref name="input"/>, split over the workers
    /// as <see cref="Forward"/> splits them: what a fused convolution does after a call whose images
    /// it has not pooled one by one (a batch split inside each image, or Winograd's whole batch).
    /// Call it on the calling thread, with no other job of the pool in flight.
    /// </summary>
    internal void ForwardAllImages(float* input, float* output, int batch)
    {
        _input = input;
        _output = output;
        Dispatch(batch, backward: false);
    }

    private void ForwardPlane(float* x, float* y)
    {
        if (_max2x2 && Pool2x2.IsSupported && Pool2x2.MaxForward(x, y, _g.InHeight, _g.InWidth)) return;
        if (_twoByTwo && !_max2x2 && Pool2x2.IsSupported)
        {
            Pool2x2.AverageForward(x, y, _g.InHeight, _g.InWidth, _g.Kind == PoolKind.Sum);
            return;
        }
        if (_max2x2) MaxForward2x2(x, y);
        else if (_windowed && _g.Kind != PoolKind.Max) PoolPlanes.AverageForward(_windows!, _g.InWidth, _g.OutHeight, _g.OutWidth, x, y, _g.Kind == PoolKind.Sum);
        else if (_windowed && !PoolPlanes.HasNaN(x, _inPlane)) PoolPlanes.MaxForward(_windows!, _g.InWidth, _g.OutHeight, _g.OutWidth, x, y);
        else Pool2dReference.ForwardPlane<float>(_g, new ReadOnlySpan<float>(x, _inPlane), new Span<float>(y, _outPlane));
    }

    private void ExecuteWithIndices(int first, int end)
    {
        for (int plane = first; plane < end; plane++)
        {
            byte* indices = _indices + Pool2dIndices.PlaneStart(_g, plane / _g.Channels, plane % _g.Channels);
            float* y = _backward ? _outputGradient + (long)plane * _outPlane : _output + (long)plane * _outPlane;
            float* x = _backward ? _inputGradient + (long)plane * _inPlane : _input + (long)plane * _inPlane;
            bool twoByTwo = _max2x2 && MaxPoolIndices.Has2x2;
            if (_backward && twoByTwo) MaxPoolIndices.Backward2x2(indices, y, x, _g.InHeight, _g.InWidth);
            else if (_backward) MaxPoolIndices.Backward(_indexWindows!, _g, indices, y, x);
            else if (!(twoByTwo && MaxPoolIndices.Forward2x2(x, y, indices, _g.InHeight, _g.InWidth))) MaxPoolIndices.Forward(_indexWindows!, _g, x, y, indices);
        }
    }

    private void MaxForward2x2(float* x, float* y)
    {
        int w = _g.InWidth;
        for (int oy = 0; oy < _g.OutHeight; oy++)
        {
            float* top = x + 2 * oy * w, bottom = top + w, row = y + oy * _g.OutWidth;
            for (int ox = 0; ox < _g.OutWidth; ox++)
            {
                float a = top[2 * ox], b = top[2 * ox + 1], c = bottom[2 * ox], d = bottom[2 * ox + 1];
                float m = a;
                if (b > m || float.IsNaN(b)) m = b;
                if (c > m || float.IsNaN(c)) m = c;
                if (d > m || float.IsNaN(d)) m = d;
                // A NaN earlier in the window wins, as in the reference.
                row[ox] = float.IsNaN(a) ? a : m;
            }
        }
    }

    private void MaxBackward2x2(float* x, float* dy, float* dx)
    {
        int w = _g.InWidth;
        for (int oy = 0; oy < _g.OutHeight; oy++)
        {
            int top = 2 * oy * w;
            float* gradient = dy + oy * _g.OutWidth;
            for (int ox = 0; ox < _g.OutWidth; ox++)
            {
                int i = top + 2 * ox, best = i;
                float m = x[i];
                if (!float.IsNaN(m))
                {
                    if (x[i + 1] > m || float.IsNaN(x[i + 1])) { best = i + 1; m = x[best]; }
                    if (!float.IsNaN(m) && (x[i + w] > m || float.IsNaN(x[i + w]))) { best = i + w; m = x[best]; }
                    if (!float.IsNaN(m) && (x[i + w + 1] > m || float.IsNaN(x[i + w + 1]))) best = i + w + 1;
                }
                dx[best] += gradient[ox];
            }
        }
    }
}
