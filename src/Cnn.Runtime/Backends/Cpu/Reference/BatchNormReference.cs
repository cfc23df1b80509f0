using System.Numerics;

namespace Cnn.Backends.Cpu.Reference;

/// <summary>
/// Batch normalisation over NC(spatial) tensors with PyTorch's rules: training normalises with the
/// batch mean and biased variance, and moves the running statistics by momentum towards the batch
/// mean and the unbiased variance; evaluation normalises with the running statistics. Sums run in
/// double, as PyTorch's CPU kernels accumulate. An empty weight or bias means no affine transform.
/// </summary>
public static class BatchNormReference
{
    /// <summary>
    /// Writes the output, and the mean and 1/√(var + ε) used per channel into <paramref name="savedMean"/>
    /// and <paramref name="savedInverseStd"/> for the backward pass. Training also updates the running
    /// statistics and adds 1 to <paramref name="batchesTracked"/> (when it is not empty).
    /// </summary>
    public static void Forward<T>(in BatchNormGeometry g, int batch, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        Span<T> runningMean, Span<T> runningVariance, Span<T> batchesTracked, Span<T> output, bool training, Span<T> savedMean, Span<T> savedInverseStd)
        where T : IFloatingPointIeee754<T>
    {
        int count = batch * g.Spatial;
        if (training && count < 2)
            throw new ArgumentException($"Batch norm over {g.Channels} channels needs more than one value per channel to train; got {count}.");

        for (int c = 0; c < g.Channels; c++)
        {
            double mean, variance;
            if (training)
            {
                double sum = 0;
                for (int n = 0; n < batch; n++)
                foreach (T v in input.Slice((n * g.Channels + c) * g.Spatial, g.Spatial)) sum += double.CreateChecked(v);
                mean = sum / count;
                double squares = 0;
                for (int n = 0; n < batch; n++)
                foreach (T v in input.Slice((n * g.Channels + c) * g.Spatial, g.Spatial))
                {
                    double d = double.CreateChecked(v) - mean;
                    squares += d * d;
                }
                variance = squares / count;
                double momentum = g.Momentum;
                runningMean[c] = T.CreateChecked((1 - momentum) * double.CreateChecked(runningMean[c]) + momentum * mean);
                runningVariance[c] = T.CreateChecked((1 - momentum) * double.CreateChecked(runningVariance[c]) + momentum * squares / (count - 1));
            }
            else
            {
                mean = double.CreateChecked(runningMean[c]);
                variance = double.CreateChecked(runningVariance[c]);
            }

            T m = T.CreateChecked(mean), inverseStd = T.CreateChecked(1 / Math.Sqrt(variance + g.Epsilon));
            savedMean[c] = m;
            savedInverseStd[c] = inverseStd;
            T scale = weight.IsEmpty ? inverseStd : weight[c] * inverseStd, shift = bias.IsEmpty ? T.Zero : bias[c];
            for (int n = 0; n < batch; n++)
            {
                int start = (n * g.Channels + c) * g.Spatial;
                for (int s = 0; s < g.Spatial; s++) output[start + s] = (input[start + s] - m) * scale + shift;
            }
        }

        if (training && !batchesTracked.IsEmpty) batchesTracked[0] += T.One;
    }

    /// <summary>
    /// Overwrites the gradients, given the statistics the forward pass saved. In training the batch
    /// statistics depend on the input, which adds the two mean terms to dx; in evaluation they are constants.
    /// </summary>
    public static void Backward<T>(in BatchNormGeometry g, int batch, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> outputGradient,
        Span<T> inputGradient, Span<T> weightGradient, Span<T> biasGradient, bool training, ReadOnlySpan<T> savedMean, ReadOnlySpan<T> savedInverseStd)
        where T : IFloatingPointIeee754<T>
    {
        int count = batch * g.Spatial;
        for (int c = 0; c < g.Channels; c++)
        {
            T mean = savedMean[c], inverseStd = savedInverseStd[c];
            double sumDy = 0, sumDyXhat = 0;
            for (int n = 0; n < batch; n++)
            {
                int start = (n * g.Channels + c) * g.Spatial;
                for (int s = 0; s < g.Spatial; s++)
                {
                    double dy = double.CreateChecked(outputGradient[start + s]);
                    sumDy += dy;
                    sumDyXhat += dy * double.CreateChecked((input[start + s] - mean) * inverseStd);
                }
            }
            if (!weightGradient.IsEmpty) weightGradient[c] = T.CreateChecked(sumDyXhat);
            if (!biasGradient.IsEmpty) biasGradient[c] = T.CreateChecked(sumDy);
            if (inputGradient.IsEmpty) continue;

            T w = weight.IsEmpty ? T.One : weight[c];
            T meanDy = T.CreateChecked(sumDy / count), meanDyXhat = T.CreateChecked(sumDyXhat / count);
            for (int n = 0; n < batch; n++)
            {
                int start = (n * g.Channels + c) * g.Spatial;
                for (int s = 0; s < g.Spatial; s++)
                {
                    T dy = outputGradient[start + s];
                    if (training)
                    {
                        T xhat = (input[start + s] - mean) * inverseStd;
                        dy = dy - meanDy - xhat * meanDyXhat;
                    }
                    inputGradient[start + s] = dy * w * inverseStd;
                }
            }
        }
    }
}

/// <summary>The reference batch norm in float, behind the operator interface. Keeps the statistics of its last forward for the backward pass.</summary>
internal sealed class ReferenceBatchNormOperator : IBatchNormOperator
{
    private readonly BatchNormGeometry _g;
    private readonly float[] _savedMean, _savedInverseStd;
    private bool _training, _ready;

    public ReferenceBatchNormOperator(in BatchNormGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
        _savedMean = new float[geometry.Channels];
        _savedInverseStd = new float[geometry.Channels];
    }

    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVariance, Tensor batchesTracked, Tensor output, bool training)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        long count = (long)batch * _g.Channels * _g.Spatial;
        BatchNormReference.Forward<float>(_g, batch,
            CpuTensor.Span(input, count, nameof(input)),
            CpuTensor.OptionalSpan(weight, _g.Channels, nameof(weight)),
            CpuTensor.OptionalSpan(bias, _g.Channels, nameof(bias)),
            CpuTensor.Span(runningMean, _g.Channels, nameof(runningMean)),
            CpuTensor.Span(runningVariance, _g.Channels, nameof(runningVariance)),
            CpuTensor.OptionalSpan(batchesTracked, 1, nameof(batchesTracked)),
            CpuTensor.Span(output, count, nameof(output)), training, _savedMean, _savedInverseStd);
        if (training) RunningStatistics.MarkWritten(runningMean, runningVariance);
        _training = training;
        _ready = true;
    }

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (!_ready) throw new InvalidOperationException("Batch norm backward needs a forward pass first: it uses that pass's statistics.");
        long count = (long)batch * _g.Channels * _g.Spatial;
        BatchNormReference.Backward<float>(_g, batch,
            CpuTensor.Span(input, count, nameof(input)),
            CpuTensor.OptionalSpan(weight, _g.Channels, nameof(weight)),
            CpuTensor.Span(outputGradient, count, nameof(outputGradient)),
            CpuTensor.OptionalSpan(inputGradient, count, nameof(inputGradient)),
            CpuTensor.OptionalSpan(weightGradient, _g.Channels, nameof(weightGradient)),
            CpuTensor.OptionalSpan(biasGradient, _g.Channels, nameof(biasGradient)),
            _training, _savedMean, _savedInverseStd);
    }
}
