using Cnn.Backends.Cpu.Reference;
using Cnn.Backends;
using Cnn.Cuda.Kernels;
using Cnn.Cuda.Native;

namespace Cnn.Cuda;

// Losses, the weight penalty and the optimizers: the backend's own kernels over the contiguous
// parameter buffer. Every loss leaves its mean on the device (ReadLastLoss); the IBackend overloads
// then read it back, which waits for the device.
public sealed unsafe partial class CudaBackend
{
    private enum LossKind
    {
        SoftmaxCrossEntropy,
        Nll,
        ProbabilityCrossEntropy,
    }

    /// <inheritdoc/>
    public float SoftmaxCrossEntropy(int batch, int classes, Tensor logits, Tensor labels, Tensor gradient) =>
        Loss(LossKind.SoftmaxCrossEntropy, batch, classes, logits, labels, gradient, default);

    /// <inheritdoc/>
    public float NllLoss(int batch, int classes, Tensor logProbabilities, Tensor labels, Tensor gradient) =>
        Loss(LossKind.Nll, batch, classes, logProbabilities, labels, gradient, default);

    /// <inheritdoc/>
    public float ProbabilityCrossEntropy(int batch, int classes, Tensor probabilities, Tensor labels, Tensor gradient) =>
        Loss(LossKind.ProbabilityCrossEntropy, batch, classes, probabilities, labels, gradient, default);

    /// <summary>
    /// <see cref="SoftmaxCrossEntropy(int, int, Tensor, Tensor, Tensor)"/> that leaves the mean loss in
    /// <paramref name="loss"/> (one float on this device) instead of reading it back: nothing waits, so
    /// it can be captured in a graph. A label that is not a class index makes the loss NaN.
    /// </summary>
    public void SoftmaxCrossEntropy(int batch, int classes, Tensor logits, Tensor labels, Tensor gradient, Tensor loss) =>
        Loss(LossKind.SoftmaxCrossEntropy, batch, classes, logits, labels, gradient, loss);

    /// <summary><see cref="NllLoss(int, int, Tensor, Tensor, Tensor)"/> that leaves the mean loss on the device, in <paramref name="loss"/>.</summary>
    public void NllLoss(int batch, int classes, Tensor logProbabilities, Tensor labels, Tensor gradient, Tensor loss) =>
        Loss(LossKind.Nll, batch, classes, logProbabilities, labels, gradient, loss);

    /// <summary><see cref="ProbabilityCrossEntropy(int, int, Tensor, Tensor, Tensor)"/> that leaves the mean loss on the device, in <paramref name="loss"/>.</summary>
    public void ProbabilityCrossEntropy(int batch, int classes, Tensor probabilities, Tensor labels, Tensor gradient, Tensor loss) =>
        Loss(LossKind.ProbabilityCrossEntropy, batch, classes, probabilities, labels, gradient, loss);

    /// <summary>
    /// The mean loss of the most recent loss call, eager or replayed in a graph (NaN after a bad label),
    /// read back from the device: this waits for the queued work.
    /// </summary>
    public float ReadLastLoss()
    {
        Enter();
        ThrowIfCapturing("ReadLastLoss");
        return ReadScalar<float>(_scalars!.Pointer + LossOffset, "reading the last loss");
    }

    private float Loss(LossKind kind, int batch, int classes, Tensor input, Tensor labels, Tensor gradient, Tensor lossOutput)
    {
        Enter();
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A loss needs at least one sample.");
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "A loss needs at least one class.");
        string operation = kind switch
        {
            LossKind.SoftmaxCrossEntropy => "SoftmaxCrossEntropy",
            LossKind.Nll => "NllLoss",
            _ => "ProbabilityCrossEntropy",
        };
        long count = (long)batch * classes;
        ulong x = Pointer(input, count, nameof(input));
        ulong y = Pointer(labels, batch, nameof(labels));
        ulong dx = Pointer(gradient, count, nameof(gradient));
        ulong output = OptionalPointer(lossOutput, 1, "loss");
        ulong rows = _rowLoss.Ensure((long)batch * sizeof(float), operation);
        ulong bad = _scalars!.Pointer + BadLabelOffset, loss = _scalars.Pointer + LossOffset;
        float inverseBatch = 1f / batch;

        DriverCheck(CudaDriver.cuMemsetD32Async(bad, int.MaxValue, 1, Stream), "cuMemsetD32Async", operation);
        nint function = kind switch
        {
            LossKind.SoftmaxCrossEntropy => Kernels.SoftmaxCrossEntropy,
            LossKind.Nll => Kernels.NllLoss,
            _ => Kernels.ProbabilityCrossEntropy,
        };
        float epsilon = (float)ProbabilityCrossEntropyReference.Epsilon;
        void** args = stackalloc void*[] { &x, &y, &dx, &rows, &bad, &batch, &classes, &inverseBatch, &epsilon };
        Launch(function, batch, args, operation, operation);
        void** mean = stackalloc void*[] { &rows, &bad, &loss, &batch, &inverseBatch };
        LaunchBlocks(Kernels.LossMean, 1, mean, "cnn_loss_mean", operation);

        if (output != 0)
        {
            CopyDevice(output, loss, sizeof(float), operation);
            return float.NaN;
        }
        if (IsCapturing) return float.NaN; // read it after Replay with ReadLastLoss

        long pair = ReadScalar<long>(loss, "reading a loss back (this also reports errors of kernels queued before it)");
        int badSample = (int)(pair >> 32);
        if (badSample != int.MaxValue)
        {
            float value = ReadScalar<float>(y + (ulong)badSample * sizeof(float), "reading a bad label");
            throw new ArgumentException($"Label of sample {badSample} is {value}, which is not a class index in [0, {classes}).", "labels");
        }
        return BitConverter.Int32BitsToSingle((int)pair);
    }

    /// <summary>
    /// Adds l1·sign(w) + 2·l2·w to the gradients and returns l1·Σ|w| + l2·Σw² (summed in double, in a fixed
    /// order). Reading the penalty back waits for the device; under graph capture it returns 0 (the gradients still get the penalty).
    /// </summary>
    public float AddPenalty(Tensor parameters, Tensor gradients, float l1, float l2)
    {
        Enter();
        long n = parameters.Length;
        ulong p = Pointer(parameters, n, nameof(parameters));
        ulong g = Pointer(gradients, n, nameof(gradients));
        if (n == 0) return 0f;
        ulong partials = _partials!.Pointer, penalty = _scalars!.Pointer + PenaltyOffset;
        int blocks = (int)Math.Clamp((n + KernelSource.BlockSize - 1) / KernelSource.BlockSize, 1, KernelSource.PenaltyBlocks);
        void** args = stackalloc void*[] { &p, &g, &n, &l1, &l2, &partials };
        LaunchBlocks(Kernels.Penalty, (uint)blocks, args, "cnn_penalty", "AddPenalty");
        void** total = stackalloc void*[] { &partials, &blocks, &l1, &l2, &penalty };
        LaunchBlocks(Kernels.PenaltyTotal, 1, total, "cnn_penalty_total", "AddPenalty");
        return IsCapturing ? 0f : ReadScalar<float>(penalty, "AddPenalty: reading the penalty back");
    }

    /// <inheritdoc/>
    public void SgdStep(Tensor parameters, Tensor gradients, Tensor velocity, in SgdStepSettings settings)
    {
        Enter();
        if (IsCapturing && settings.FirstStep && settings.Momentum != 0f)
            throw new InvalidOperationException($"{Name}: SGD's first step initialises the momentum and cannot be replayed; capture a later step (CaptureStep runs the step once first).");
        long n = parameters.Length;
        ulong p = Pointer(parameters, n, nameof(parameters));
        ulong g = Pointer(gradients, n, nameof(gradients));
        ulong v = settings.Momentum != 0f ? Pointer(velocity, n, nameof(velocity)) : 0;
        if (n == 0) return;
        float lr = settings.LearningRate, momentum = settings.Momentum, dampening = settings.Dampening, decay = settings.WeightDecay;
        int nesterov = settings.Nesterov ? 1 : 0, first = settings.FirstStep ? 1 : 0;
        void** args = stackalloc void*[] { &p, &g, &v, &n, &lr, &momentum, &dampening, &decay, &nesterov, &first };
        Launch(Kernels.SgdStep, n, args, "cnn_sgd_step", "SgdStep");
    }

    /// <inheritdoc/>
    public void AdamStep(Tensor parameters, Tensor gradients, Tensor firstMoment, Tensor secondMoment, in AdamStepSettings settings)
    {
        Enter();
        if (settings.Step < 1) throw new ArgumentOutOfRangeException(nameof(settings), $"Adam steps count from 1; got {settings.Step}.");
        long n = parameters.Length;
        ulong p = Pointer(parameters, n, nameof(parameters));
        ulong g = Pointer(gradients, n, nameof(gradients));
        ulong m = Pointer(firstMoment, n, nameof(firstMoment));
        ulong v = Pointer(secondMoment, n, nameof(secondMoment));
        if (n == 0) return;
        float lr = settings.LearningRate, beta1 = settings.Beta1, beta2 = settings.Beta2, epsilon = settings.Epsilon, decay = settings.WeightDecay;
        int decoupled = settings.Decoupled ? 1 : 0;
        if (!IsCapturing)
        {
            // As AdamReference: the bias corrections in double, then rounded to float.
            float stepSize = (float)(settings.LearningRate / (1.0 - Math.Pow(settings.Beta1, settings.Step)));
            float correction2Sqrt = (float)Math.Sqrt(1.0 - Math.Pow(settings.Beta2, settings.Step));
            void** args = stackalloc void*[] { &p, &g, &m, &v, &n, &lr, &beta1, &beta2, &epsilon, &decay, &decoupled, &stepSize, &correction2Sqrt };
            Launch(Kernels.AdamStep, n, args, "cnn_adam_step", "AdamStep");
            return;
        }

        // In a graph the step number must advance at each replay: a device counter, set to this step
        // once the capture ends, feeds the bias corrections and counts itself up.
        (ulong step, ulong schedule) = _capture!.TakeAdamCounter(settings.Step);
        void** scheduleArgs = stackalloc void*[] { &step, &schedule, &lr, &beta1, &beta2 };
        LaunchBlocks(Kernels.AdamSchedule, 1, scheduleArgs, "cnn_adam_schedule", "AdamStep");
        void** stepArgs = stackalloc void*[] { &p, &g, &m, &v, &n, &lr, &beta1, &beta2, &epsilon, &decay, &decoupled, &schedule };
        Launch(Kernels.AdamStepScheduled, n, stepArgs, "cnn_adam_step_scheduled", "AdamStep");
    }
}
