using Cnn.Backends;
using Cnn.Cuda.Interop;
using Cnn.Cuda.Kernels;
using Cnn.Cuda.Native;

namespace Cnn.Cuda.Operators;

/// <summary>
/// Pooling. Max, average (counting padding or not) and sum go through cuDNN when every window lies
/// inside the padded input, where cuDNN's window rules are PyTorch's: sum is cuDNN's average scaled by
/// the window area (alpha = kh·kw). Windows that ceil mode clips, and adaptive average pooling, run the
/// backend's own kernels, which follow the reference window by window.
/// </summary>
internal sealed unsafe class CudaPool2dOperator : IPool2dOperator, IDisposable
{
    private readonly CudaBackend _backend;
    private readonly Pool2dGeometry _g;
    private readonly CudnnDescriptor? _pooling, _x, _y;
    private readonly float _alpha;
    private readonly string _forwardOperation, _backwardOperation;
    private int _describedBatch;

    public CudaPool2dOperator(CudaBackend backend, in Pool2dGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _backend = backend;
        _g = geometry;
        string kind = geometry.Kind switch
        {
            PoolKind.Max => "MaxPool2d",
            PoolKind.Average => "AvgPool2d",
            PoolKind.Sum => "SumPool2d",
            _ => "AdaptiveAvgPool2d",
        };
        string shape = geometry.Kind == PoolKind.AdaptiveAverage
            ? $"{kind} to {geometry.OutHeight}×{geometry.OutWidth} on {geometry.Channels}×{geometry.InHeight}×{geometry.InWidth}"
            : $"{kind} {geometry.KernelHeight}×{geometry.KernelWidth} stride {geometry.StrideHeight}×{geometry.StrideWidth} padding {geometry.PaddingHeight}×{geometry.PaddingWidth} on {geometry.Channels}×{geometry.InHeight}×{geometry.InWidth}";
        _forwardOperation = $"{shape}, forward";
        _backwardOperation = $"{shape}, backward";

        UsesCudnn = CudnnExpresses(geometry);
        if (!UsesCudnn) return;
        string operation = $"{backend.Name}: {shape}, preparing";
        _pooling = CudnnDescriptor.Create(CudnnDescriptorKind.Pooling, operation);
        int mode = geometry.Kind == PoolKind.Max ? Cudnn.PoolingMax
            : geometry.CountIncludePad ? Cudnn.PoolingAverageCountIncludePadding : Cudnn.PoolingAverageCountExcludePadding;
        Cudnn.Check(Cudnn.cudnnSetPooling2dDescriptor(_pooling.Value, mode, Cudnn.PropagateNan, geometry.KernelHeight, geometry.KernelWidth,
            geometry.PaddingHeight, geometry.PaddingWidth, geometry.StrideHeight, geometry.StrideWidth), "cudnnSetPooling2dDescriptor", operation);
        _x = CudnnDescriptor.Tensor4d(geometry.MaxBatch, geometry.Channels, geometry.InHeight, geometry.InWidth, operation);
        _y = CudnnDescriptor.Tensor4d(geometry.MaxBatch, geometry.Channels, geometry.OutHeight, geometry.OutWidth, operation);
        _describedBatch = geometry.MaxBatch;
        _alpha = geometry.Kind == PoolKind.Sum ? geometry.KernelHeight * geometry.KernelWidth : 1f;
    }

    /// <summary>Whether cuDNN runs this layer (otherwise the backend's own kernels do).</summary>
    public bool UsesCudnn { get; }

    /// <summary>
    /// cuDNN's output size is the floor one, and its average divides by the full window: both are the
    /// reference's exactly when no window runs past the padded input, i.e. outside ceil mode.
    /// </summary>
    internal static bool CudnnExpresses(in Pool2dGeometry g) =>
        g.Kind != PoolKind.AdaptiveAverage
        && g.OutHeight == GeometryChecks.FloorPoolOutput(g.InHeight, g.KernelHeight, g.StrideHeight, g.PaddingHeight)
        && g.OutWidth == GeometryChecks.FloorPoolOutput(g.InWidth, g.KernelWidth, g.StrideWidth, g.PaddingWidth);

    public void Forward(int batch, Tensor input, Tensor output)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        ulong x = _backend.Pointer(input, (long)batch * _g.InputSize, nameof(input));
        ulong y = _backend.Pointer(output, (long)batch * _g.OutputSize, nameof(output));
        if (batch == 0) return;
        if (UsesCudnn)
        {
            Describe(batch);
            float alpha = _alpha, zero = 0f;
            int status = Cudnn.cudnnPoolingForward(_backend.CudnnHandle, _pooling!.Value, &alpha, _x!.Value, x, &zero, _y!.Value, y);
            if (status != 0) throw Cudnn.Error(status, "cudnnPoolingForward", $"{_backend.Name}: {_forwardOperation}, batch {batch}");
            return;
        }
        Kernel(_backend.Kernels.PoolForward, "cnn_pool_forward", batch, x, 0, y, (long)batch * _g.OutputSize, _forwardOperation);
    }

    public void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (inputGradient.IsEmpty) return;
        // A planned network passes no input or output to average and sum pooling, which need neither:
        // the backend's own kernel then runs, as it reads x only for max pooling.
        bool withoutValues = _g.Kind != PoolKind.Max && input.IsEmpty;
        ulong x = withoutValues ? 0 : _backend.Pointer(input, (long)batch * _g.InputSize, nameof(input));
        ulong dy = _backend.Pointer(outputGradient, (long)batch * _g.OutputSize, nameof(outputGradient));
        ulong dx = _backend.Pointer(inputGradient, (long)batch * _g.InputSize, nameof(inputGradient));
        if (batch == 0) return;
        if (UsesCudnn && !withoutValues)
        {
            // cuDNN's max pooling backward finds each window's maximum from x and y.
            ulong y = _backend.Pointer(output, (long)batch * _g.OutputSize, nameof(output));
            Describe(batch);
            float alpha = _alpha, zero = 0f;
            int status = Cudnn.cudnnPoolingBackward(_backend.CudnnHandle, _pooling!.Value, &alpha, _y!.Value, y, _y.Value, dy, _x!.Value, x, &zero, _x.Value, dx);
            if (status != 0) throw Cudnn.Error(status, "cudnnPoolingBackward", $"{_backend.Name}: {_backwardOperation}, batch {batch}");
            return;
        }
        Kernel(_backend.Kernels.PoolBackward, "cnn_pool_backward", batch, x, dy, dx, (long)batch * _g.InputSize, _backwardOperation);
    }

    /// <summary>Max pooling that saves byte indices (<see cref="CompactMasks"/>), by the backend's own kernel: cuDNN keeps no indices.</summary>
    public void ForwardSavingIndices(int batch, Tensor input, Tensor output, Tensor indices)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        RequireIndices();
        ulong x = _backend.Pointer(input, (long)batch * _g.InputSize, nameof(input));
        ulong y = _backend.Pointer(output, (long)batch * _g.OutputSize, nameof(output));
        ulong i = _backend.Pointer(indices, (long)batch * CompactMasks.PoolIndexFloats(_g.OutputSize), nameof(indices));
        if (batch == 0) return;
        IndexKernel(_backend.Kernels.MaxPoolForwardIndices, "cnn_max_pool_forward_indices", batch, x, y, i, (long)batch * _g.OutputSize, _forwardOperation);
    }

    /// <summary>The input gradient from the byte indices alone, one thread per input element.</summary>
    public void BackwardFromIndices(int batch, Tensor indices, Tensor outputGradient, Tensor inputGradient)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        RequireIndices();
        if (inputGradient.IsEmpty) return;
        ulong i = _backend.Pointer(indices, (long)batch * CompactMasks.PoolIndexFloats(_g.OutputSize), nameof(indices));
        ulong dy = _backend.Pointer(outputGradient, (long)batch * _g.OutputSize, nameof(outputGradient));
        ulong dx = _backend.Pointer(inputGradient, (long)batch * _g.InputSize, nameof(inputGradient));
        if (batch == 0) return;
        IndexKernel(_backend.Kernels.MaxPoolBackwardIndices, "cnn_max_pool_backward_indices", batch, i, dy, dx, (long)batch * _g.InputSize, _backwardOperation);
    }

    private void RequireIndices()
    {
        if (!CompactMasks.HasPoolIndices(_g))
            throw new NotSupportedException($"{_backend.Name}: {_forwardOperation} keeps no byte indices: only max pooling over at most {CompactMasks.MaxPoolWindow} positions does.");
    }

    /// <summary>Forward: (x, y, indices); backward: (indices, dy, dx).</summary>
    private void IndexKernel(nint function, string name, int batch, ulong first, ulong second, ulong third, long work, string operation)
    {
        long planes = (long)batch * _g.Channels, sampleBytes = 4L * CompactMasks.PoolIndexFloats(_g.OutputSize);
        int channels = _g.Channels, h = _g.InHeight, w = _g.InWidth, oh = _g.OutHeight, ow = _g.OutWidth, kh = _g.KernelHeight, kw = _g.KernelWidth;
        int sh = _g.StrideHeight, sw = _g.StrideWidth, ph = _g.PaddingHeight, pw = _g.PaddingWidth;
        void** args = stackalloc void*[] { &first, &second, &third, &planes, &channels, &h, &w, &oh, &ow, &kh, &kw, &sh, &sw, &ph, &pw, &sampleBytes };
        _backend.Launch(function, work, args, name, operation);
    }

    /// <summary>Forward: (x, y); backward: (x, dy, dx). One thread per output (forward) or input (backward) element.</summary>
    private void Kernel(nint function, string name, int batch, ulong x, ulong second, ulong third, long work, string operation)
    {
        long planes = (long)batch * _g.Channels;
        int h = _g.InHeight, w = _g.InWidth, oh = _g.OutHeight, ow = _g.OutWidth, kh = _g.KernelHeight, kw = _g.KernelWidth;
        int sh = _g.StrideHeight, sw = _g.StrideWidth, ph = _g.PaddingHeight, pw = _g.PaddingWidth;
        int kind = _g.CountIncludePad ? (int)_g.Kind : KernelSource.AverageExcludingPadding;
        if (second == 0)
        {
            void** forward = stackalloc void*[] { &x, &third, &planes, &h, &w, &oh, &ow, &kh, &kw, &sh, &sw, &ph, &pw, &kind };
            _backend.Launch(function, work, forward, name, operation);
        }
        else
        {
            void** backward = stackalloc void*[] { &x, &second, &third, &planes, &h, &w, &oh, &ow, &kh, &kw, &sh, &sw, &ph, &pw, &kind };
            _backend.Launch(function, work, backward, name, operation);
        }
    }

    private void Describe(int batch)
    {
        if (batch == _describedBatch) return;
        string operation = $"{_backend.Name}: {_forwardOperation}";
        _x!.SetTensor4d(batch, _g.Channels, _g.InHeight, _g.InWidth, operation);
        _y!.SetTensor4d(batch, _g.Channels, _g.OutHeight, _g.OutWidth, operation);
        _describedBatch = batch;
    }

    public void Dispose()
    {
        _pooling?.Dispose();
        _x?.Dispose();
        _y?.Dispose();
    }
}
