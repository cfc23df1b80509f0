using Cnn.Backends;
using Cnn.Cuda.Interop;
using Cnn.Cuda.Native;

namespace Cnn.Cuda.Operators;

/// <summary>
/// ReLU, Tanh and Sigmoid through cuDNN's activation functions, Softmax and LogSoftmax through cuDNN's
/// softmax over each sample's features (the accurate algorithm, which subtracts the maximum), and
/// LeakyReLU, SiLU and GELU through the backend's own kernels.
/// </summary>
internal sealed unsafe class CudaActivationOperator : IActivationOperator, IDisposable
{
    private readonly CudaBackend _backend;
    private readonly ActivationGeometry _g;
    private readonly CudnnDescriptor? _activation, _tensor;
    private readonly string _forwardOperation, _backwardOperation;
    private int _describedBatch;

    public CudaActivationOperator(CudaBackend backend, in ActivationGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _backend = backend;
        _g = geometry;
        _forwardOperation = $"{geometry.Kind} over {geometry.Features} features, forward";
        _backwardOperation = $"{geometry.Kind} over {geometry.Features} features, backward";
        if (OwnKernel(geometry.Kind)) return;

        string operation = $"{backend.Name}: {geometry.Kind} over {geometry.Features} features, preparing";
        // Samples as N and features as C: the softmax mode "instance" normalises over C·H·W of each sample.
        _tensor = CudnnDescriptor.Tensor4d(geometry.MaxBatch, geometry.Features, 1, 1, operation);
        _describedBatch = geometry.MaxBatch;
        if (geometry.Kind is ActivationKind.Softmax or ActivationKind.LogSoftmax) return;
        _activation = CudnnDescriptor.Create(CudnnDescriptorKind.Activation, operation);
        int mode = geometry.Kind switch
        {
            ActivationKind.ReLU => Cudnn.ActivationRelu,
            ActivationKind.Tanh => Cudnn.ActivationTanh,
            _ => Cudnn.ActivationSigmoid,
        };
        // The reference's ReLU maps NaN to 0 (NaN > 0 is false); cuDNN's NOT_PROPAGATE_NAN does the same.
        Cudnn.Check(Cudnn.cudnnSetActivationDescriptor(_activation.Value, mode, Cudnn.NotPropagateNan, 0.0), "cudnnSetActivationDescriptor", operation);
    }

    public void Forward(int batch, Tensor input, Tensor output)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        long count = (long)batch * _g.Features;
        ulong x = _backend.Pointer(input, count, nameof(input));
        ulong y = _backend.Pointer(output, count, nameof(output));
        if (batch == 0) return;
        if (_g.Kind == ActivationKind.LeakyReLU)
        {
            float slope = _g.NegativeSlope;
            void** args = stackalloc void*[] { &x, &y, &count, &slope };
            _backend.Launch(_backend.Kernels.LeakyReluForward, count, args, "cnn_leaky_relu_forward", _forwardOperation);
            return;
        }
        if (_g.Kind is ActivationKind.SiLU or ActivationKind.GELU)
        {
            void** args = stackalloc void*[] { &x, &y, &count };
            bool silu = _g.Kind == ActivationKind.SiLU;
            _backend.Launch(silu ? _backend.Kernels.SiluForward : _backend.Kernels.GeluForward, count, args, silu ? "cnn_silu_forward" : "cnn_gelu_forward", _forwardOperation);
            return;
        }
        Describe(batch);
        float one = 1f, zero = 0f;
        int status;
        string function;
        if (_activation is null)
        {
            int algorithm = _g.Kind == ActivationKind.Softmax ? Cudnn.SoftmaxAccurate : Cudnn.SoftmaxLog;
            status = Cudnn.cudnnSoftmaxForward(_backend.CudnnHandle, algorithm, Cudnn.SoftmaxModeInstance, &one, _tensor!.Value, x, &zero, _tensor.Value, y);
            function = "cudnnSoftmaxForward";
        }
        else
        {
            status = Cudnn.cudnnActivationForward(_backend.CudnnHandle, _activation.Value, &one, _tensor!.Value, x, &zero, _tensor.Value, y);
            function = "cudnnActivationForward";
        }
        if (status != 0) throw Cudnn.Error(status, function, $"{_backend.Name}: {_forwardOperation}, batch {batch}");
    }

    public void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (inputGradient.IsEmpty) return;
        long count = (long)batch * _g.Features;
        ulong y = _backend.Pointer(output, count, nameof(output));
        ulong dy = _backend.Pointer(outputGradient, count, nameof(outputGradient));
        ulong dx = _backend.Pointer(inputGradient, count, nameof(inputGradient));
        if (batch == 0) return;
        if (_g.Kind == ActivationKind.LeakyReLU)
        {
            // As the reference: the output's sign tells the side of zero unless the slope is negative.
            ulong side = _g.NegativeSlope >= 0f ? y : _backend.Pointer(input, count, nameof(input));
            float slope = _g.NegativeSlope;
            void** args = stackalloc void*[] { &side, &dy, &dx, &count, &slope };
            _backend.Launch(_backend.Kernels.LeakyReluBackward, count, args, "cnn_leaky_relu_backward", _backwardOperation);
            return;
        }
        if (_g.Kind is ActivationKind.SiLU or ActivationKind.GELU)
        {
            // Both gradients are functions of the input, as in the reference.
            ulong x = _backend.Pointer(input, count, nameof(input));
            void** args = stackalloc void*[] { &x, &dy, &dx, &count };
            bool silu = _g.Kind == ActivationKind.SiLU;
            _backend.Launch(silu ? _backend.Kernels.SiluBackward : _backend.Kernels.GeluBackward, count, args, silu ? "cnn_silu_backward" : "cnn_gelu_backward", _backwardOperation);
            return;
        }
        Describe(batch);
        float one = 1f, zero = 0f;
        int status;
        string function;
        if (_activation is null)
        {
            int algorithm = _g.Kind == ActivationKind.Softmax ? Cudnn.SoftmaxAccurate : Cudnn.SoftmaxLog;
            status = Cudnn.cudnnSoftmaxBackward(_backend.CudnnHandle, algorithm, Cudnn.SoftmaxModeInstance, &one, _tensor!.Value, y, _tensor.Value, dy, &zero, _tensor.Value, dx);
            function = "cudnnSoftmaxBackward";
        }
        else
        {
            // ReLU, Tanh and Sigmoid derive from the output; when the network passes no input (it need
            // not for these), the output stands in for it, which gives ReLU the same side of zero.
            ulong x = input.IsEmpty ? y : _backend.Pointer(input, count, nameof(input));
            status = Cudnn.cudnnActivationBackward(_backend.CudnnHandle, _activation.Value, &one, _tensor!.Value, y, _tensor.Value, dy, _tensor.Value, x, &zero, _tensor.Value, dx);
            function = "cudnnActivationBackward";
        }
        if (status != 0) throw Cudnn.Error(status, function, $"{_backend.Name}: {_backwardOperation}, batch {batch}");
    }

    /// <summary>ReLU or LeakyReLU (slope ≥ 0) saving the bit mask of output &gt; 0 (<see cref="CompactMasks"/>), by the backend's own kernel.</summary>
    public void ForwardSavingMask(int batch, Tensor input, Tensor output, Tensor mask)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        RequireMask();
        long count = (long)batch * _g.Features, samples = batch;
        ulong x = _backend.Pointer(input, count, nameof(input));
        ulong y = _backend.Pointer(output, count, nameof(output));
        ulong m = _backend.Pointer(mask, samples * CompactMasks.ActivationMaskFloats(_g.Features), nameof(mask));
        if (batch == 0) return;
        int features = _g.Features;
        float slope = Slope;
        void** args = stackalloc void*[] { &x, &y, &m, &samples, &features, &slope };
        _backend.Launch(_backend.Kernels.ReluForwardMask, samples * 32 * CompactMasks.ActivationMaskFloats(features), args, "cnn_relu_forward_mask", _forwardOperation);
    }

    /// <summary>The input gradient from the bit mask alone.</summary>
    public void BackwardFromMask(int batch, Tensor mask, Tensor outputGradient, Tensor inputGradient)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        RequireMask();
        if (inputGradient.IsEmpty) return;
        long count = (long)batch * _g.Features, samples = batch;
        ulong m = _backend.Pointer(mask, samples * CompactMasks.ActivationMaskFloats(_g.Features), nameof(mask));
        ulong dy = _backend.Pointer(outputGradient, count, nameof(outputGradient));
        ulong dx = _backend.Pointer(inputGradient, count, nameof(inputGradient));
        if (batch == 0) return;
        int features = _g.Features;
        float slope = Slope;
        void** args = stackalloc void*[] { &m, &dy, &dx, &samples, &features, &slope };
        _backend.Launch(_backend.Kernels.ReluBackwardMask, count, args, "cnn_relu_backward_mask", _backwardOperation);
    }

    private float Slope => _g.Kind == ActivationKind.ReLU ? 0f : _g.NegativeSlope;

    private void RequireMask()
    {
        if (!CompactMasks.HasActivationMask(_g.Kind, _g.NegativeSlope))
            throw new NotSupportedException($"{_backend.Name}: {_g.Kind} (negative slope {_g.NegativeSlope}) keeps its output for backward, not a bit mask: only ReLU and LeakyReLU with a slope ≥ 0 have one.");
    }

    /// <summary>Kinds that cuDNN has no activation mode for, run by the backend's own kernels.</summary>
    private static bool OwnKernel(ActivationKind kind) => kind is ActivationKind.LeakyReLU or ActivationKind.SiLU or ActivationKind.GELU;

    private void Describe(int batch)
    {
        if (batch == _describedBatch) return;
        _tensor!.SetTensor4d(batch, _g.Features, 1, 1, $"{_backend.Name}: {_forwardOperation}");
        _describedBatch = batch;
    }

    public void Dispose()
    {
        _activation?.Dispose();
        _tensor?.Dispose();
    }
}
