using System.Diagnostics;
using Cnn.Backends;

namespace Cnn.Compare.Profiling;

/// <summary>
/// An <see cref="IBackend"/> that forwards every call to another and adds the time of each
/// operator's forward and backward, each loss and each optimizer step to a named slot: where the
/// time of a network's step goes, layer by layer, without touching the generated code. Convolutions
/// and fully connected layers also add the FLOPs of each call (<see cref="LayerFlops"/>). The inner
/// backend's fused operators are wrapped too, so that the planned network runs as it does unwrapped.
/// </summary>
internal sealed class ProfilingBackend(IBackend inner) : IBackend
{
    private readonly List<Slot> _slots = [];

    public IReadOnlyList<Slot> Slots => _slots;

    public void Reset()
    {
        foreach (Slot slot in _slots) slot.Reset();
    }

    private Slot NewSlot(string name, bool convolution = false)
    {
        var slot = new Slot($"{_slots.Count:D2} {name}", convolution);
        _slots.Add(slot);
        return slot;
    }

    private Slot? _loss, _sgd, _adam, _add;

    public string Name => inner.Name;
    public DeviceBuffer Allocate(long length) => inner.Allocate(length);
    public void Upload(ReadOnlySpan<float> source, Tensor destination) => inner.Upload(source, destination);
    public void Download(Tensor source, Span<float> destination) => inner.Download(source, destination);
    public void Fill(Tensor destination, float value) => inner.Fill(destination, value);
    public void Copy(Tensor source, Tensor destination) => inner.Copy(source, destination);

    public IConv2dOperator CreateConv2d(in Conv2dGeometry g) => new Conv(inner.CreateConv2d(g), g, NewSlot($"conv {Describe(g)}", convolution: true));

    public ILinearOperator CreateLinear(in LinearGeometry g) => new Linear(inner.CreateLinear(g), g, NewSlot($"linear {g.InFeatures}->{g.OutFeatures}"));

    public FusedOperators FusedOperators => inner.FusedOperators;

    public IFusedConv2dOperator CreateFusedConv2d(in Conv2dGeometry g, in Epilogue epilogue) =>
        new FusedConv(inner.CreateFusedConv2d(g, epilogue), g, NewSlot($"conv{Describe(epilogue)} {Describe(g)}", convolution: true));

    public IFusedLinearOperator CreateFusedLinear(in LinearGeometry g, in Epilogue epilogue) =>
        new FusedLinear(inner.CreateFusedLinear(g, epilogue), g, NewSlot($"linear{Describe(epilogue)} {g.InFeatures}->{g.OutFeatures}"));

    public IPool2dOperator CreatePool2d(in Pool2dGeometry g) => new Pool(inner.CreatePool2d(g),
        NewSlot($"{g.Kind.ToString().ToLowerInvariant()}pool {g.Channels}x{g.InHeight}x{g.InWidth} k{g.KernelHeight} s{g.StrideHeight}"));

    public IActivationOperator CreateActivation(in ActivationGeometry g) => new Activation(inner.CreateActivation(g), NewSlot($"{g.Kind.ToString().ToLowerInvariant()} {g.Features}"));

    public IDropoutOperator CreateDropout(in DropoutGeometry g) => new Dropout(inner.CreateDropout(g), NewSlot($"dropout {g.Features}"));

    public IBatchNormOperator CreateBatchNorm(in BatchNormGeometry g) => new BatchNorm(inner.CreateBatchNorm(g), NewSlot($"batchnorm {g.Channels}x{g.Spatial}"));

    public void Add(Tensor a, Tensor b, Tensor output)
    {
        long t = Stopwatch.GetTimestamp();
        inner.Add(a, b, output);
        (_add ??= NewSlot("add (residual sums, gradient sums)")).Forward += Stopwatch.GetTimestamp() - t;
    }

    private static string Describe(in Conv2dGeometry g) =>
        $"{g.InChannels}x{g.InHeight}x{g.InWidth}->{g.OutChannels}x{g.OutHeight}x{g.OutWidth} k{g.KernelHeight} s{g.StrideHeight} p{g.PaddingHeight}";

    private static string Describe(in Epilogue e) =>
        (e.BatchNorm is null ? "" : "+bn") + (e.Activation is { } a ? "+" + a.Kind.ToString().ToLowerInvariant() : "");
    public void CopyStrided(int count, int length, Tensor source, int sourceStride, Tensor destination, int destinationStride) =>
        inner.CopyStrided(count, length, source, sourceStride, destination, destinationStride);

    public float SoftmaxCrossEntropy(int batch, int classes, Tensor logits, Tensor labels, Tensor gradient)
    {
        long t = Stopwatch.GetTimestamp();
        float loss = inner.SoftmaxCrossEntropy(batch, classes, logits, labels, gradient);
        (_loss ??= NewSlot("loss")).Forward += Stopwatch.GetTimestamp() - t;
        return loss;
    }

    public float NllLoss(int batch, int classes, Tensor logProbabilities, Tensor labels, Tensor gradient)
    {
        long t = Stopwatch.GetTimestamp();
        float loss = inner.NllLoss(batch, classes, logProbabilities, labels, gradient);
        (_loss ??= NewSlot("loss")).Forward += Stopwatch.GetTimestamp() - t;
        return loss;
    }

    public float ProbabilityCrossEntropy(int batch, int classes, Tensor probabilities, Tensor labels, Tensor gradient) =>
        inner.ProbabilityCrossEntropy(batch, classes, probabilities, labels, gradient);

    public float AddPenalty(Tensor parameters, Tensor gradients, float l1, float l2) => inner.AddPenalty(parameters, gradients, l1, l2);

    public void SgdStep(Tensor parameters, Tensor gradients, Tensor velocity, in SgdStepSettings settings)
    {
        long t = Stopwatch.GetTimestamp();
        inner.SgdStep(parameters, gradients, velocity, settings);
        (_sgd ??= NewSlot("sgd step")).Backward += Stopwatch.GetTimestamp() - t;
    }

    public void AdamStep(Tensor parameters, Tensor gradients, Tensor firstMoment, Tensor secondMoment, in AdamStepSettings settings)
    {
        long t = Stopwatch.GetTimestamp();
        inner.AdamStep(parameters, gradients, firstMoment, secondMoment, settings);
        (_adam ??= NewSlot("adam step")).Backward += Stopwatch.GetTimestamp() - t;
    }

    public void Dispose() => inner.Dispose();

    /// <summary>Stopwatch ticks spent in one operator's forward and backward calls, and the FLOPs those calls did (convolutions and fully connected layers).</summary>
    internal sealed class Slot(string name, bool convolution)
    {
        public string Name { get; } = name;
        public bool IsConvolution { get; } = convolution;
        public long Forward;
        public long Backward;
        public double ForwardFlops;
        public double BackwardFlops;

        public void Reset()
        {
            Forward = Backward = 0;
            ForwardFlops = BackwardFlops = 0;
        }
    }

    private sealed class Conv(IConv2dOperator op, Conv2dGeometry g, Slot slot) : IConv2dOperator
    {
        public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
        {
            long t = Stopwatch.GetTimestamp();
            op.Forward(batch, input, weight, bias, output);
            slot.Forward += Stopwatch.GetTimestamp() - t;
            slot.ForwardFlops += batch * LayerFlops.ConvolutionForward(g);
        }

        public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
        {
            long t = Stopwatch.GetTimestamp();
            op.Backward(batch, input, weight, outputGradient, inputGradient, weightGradient, biasGradient);
            slot.Backward += Stopwatch.GetTimestamp() - t;
            slot.BackwardFlops += batch * LayerFlops.ConvolutionBackward(g, !inputGradient.IsEmpty);
        }
    }

    private sealed class FusedConv(IFusedConv2dOperator op, Conv2dGeometry g, Slot slot) : IFusedConv2dOperator
    {
        public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, in BatchNormTensors batchNorm, Tensor output, Tensor unpooled = default)
        {
            long t = Stopwatch.GetTimestamp();
            op.Forward(batch, input, weight, bias, batchNorm, output, unpooled);
            slot.Forward += Stopwatch.GetTimestamp() - t;
            slot.ForwardFlops += batch * LayerFlops.ConvolutionForward(g);
        }
    }

    private sealed class Linear(ILinearOperator op, LinearGeometry g, Slot slot) : ILinearOperator
    {
        public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
        {
            long t = Stopwatch.GetTimestamp();
            op.Forward(batch, input, weight, bias, output);
            slot.Forward += Stopwatch.GetTimestamp() - t;
            slot.ForwardFlops += batch * LayerFlops.LinearForward(g);
        }

        public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
        {
            long t = Stopwatch.GetTimestamp();
            op.Backward(batch, input, weight, outputGradient, inputGradient, weightGradient, biasGradient);
            slot.Backward += Stopwatch.GetTimestamp() - t;
            slot.BackwardFlops += batch * LayerFlops.LinearBackward(g, !inputGradient.IsEmpty);
        }
    }

    private sealed class FusedLinear(IFusedLinearOperator op, LinearGeometry g, Slot slot) : IFusedLinearOperator
    {
        public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
        {
            long t = Stopwatch.GetTimestamp();
            op.Forward(batch, input, weight, bias, output);
            slot.Forward += Stopwatch.GetTimestamp() - t;
            slot.ForwardFlops += batch * LayerFlops.LinearForward(g);
        }
    }

    private sealed class BatchNorm(IBatchNormOperator op, Slot slot) : IBatchNormOperator
    {
        public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVariance, Tensor batchesTracked, Tensor output, bool training)
        {
            long t = Stopwatch.GetTimestamp();
            op.Forward(batch, input, weight, bias, runningMean, runningVariance, batchesTracked, output, training);
            slot.Forward += Stopwatch.GetTimestamp() - t;
        }

        public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
        {
            long t = Stopwatch.GetTimestamp();
            op.Backward(batch, input, weight, outputGradient, inputGradient, weightGradient, biasGradient);
            slot.Backward += Stopwatch.GetTimestamp() - t;
        }
    }

    private sealed class Pool(IPool2dOperator op, Slot slot) : IPool2dOperator
    {
        public void Forward(int batch, Tensor input, Tensor output)
        {
            long t = Stopwatch.GetTimestamp();
            op.Forward(batch, input, output);
            slot.Forward += Stopwatch.GetTimestamp() - t;
        }

        public void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient)
        {
            long t = Stopwatch.GetTimestamp();
            op.Backward(batch, input, output, outputGradient, inputGradient);
            slot.Backward += Stopwatch.GetTimestamp() - t;
        }

        public void ForwardSavingIndices(int batch, Tensor input, Tensor output, Tensor indices)
        {
            long t = Stopwatch.GetTimestamp();
            op.ForwardSavingIndices(batch, input, output, indices);
            slot.Forward += Stopwatch.GetTimestamp() - t;
        }

        public void BackwardFromIndices(int batch, Tensor indices, Tensor outputGradient, Tensor inputGradient)
        {
            long t = Stopwatch.GetTimestamp();
            op.BackwardFromIndices(batch, indices, outputGradient, inputGradient);
            slot.Backward += Stopwatch.GetTimestamp() - t;
        }
    }

    private sealed class Activation(IActivationOperator op, Slot slot) : IActivationOperator
    {
        public void Forward(int batch, Tensor input, Tensor output)
        {
            long t = Stopwatch.GetTimestamp();
            op.Forward(batch, input, output);
            slot.Forward += Stopwatch.GetTimestamp() - t;
        }

        public void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient)
        {
            long t = Stopwatch.GetTimestamp();
            op.Backward(batch, input, output, outputGradient, inputGradient);
            slot.Backward += Stopwatch.GetTimestamp() - t;
        }

        public void ForwardSavingMask(int batch, Tensor input, Tensor output, Tensor mask)
        {
            long t = Stopwatch.GetTimestamp();
            op.ForwardSavingMask(batch, input, output, mask);
            slot.Forward += Stopwatch.GetTimestamp() - t;
        }

        public void BackwardFromMask(int batch, Tensor mask, Tensor outputGradient, Tensor inputGradient)
        {
            long t = Stopwatch.GetTimestamp();
            op.BackwardFromMask(batch, mask, outputGradient, inputGradient);
            slot.Backward += Stopwatch.GetTimestamp() - t;
        }
    }

    private sealed class Dropout(IDropoutOperator op, Slot slot) : IDropoutOperator
    {
        public ulong MaskSeed { get => op.MaskSeed; set => op.MaskSeed = value; }

        public ulong MaskStream { get => op.MaskStream; set => op.MaskStream = value; }

        public void Forward(int batch, Tensor input, Tensor output, Tensor mask, bool training)
        {
            long t = Stopwatch.GetTimestamp();
            op.Forward(batch, input, output, mask, training);
            slot.Forward += Stopwatch.GetTimestamp() - t;
        }

        public void Backward(int batch, Tensor mask, Tensor outputGradient, Tensor inputGradient)
        {
            long t = Stopwatch.GetTimestamp();
            op.Backward(batch, mask, outputGradient, inputGradient);
            slot.Backward += Stopwatch.GetTimestamp() - t;
        }
    }
}
