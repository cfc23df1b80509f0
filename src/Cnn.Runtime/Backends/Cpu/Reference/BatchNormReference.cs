using System.Buffers;
using System.Numerics;
using Cnn.Distributed;

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
    /// <remarks>
    /// With a <c>group</c>, training normalises with the statistics of the batch that all ranks of the group hold
    /// together (synchronized batch norm): the per-channel sums, the value count, and then the sums of
    /// squared deviations from the common mean are all-reduced in double, so the result is the
    /// single-process one of the concatenated batch up to the order of double additions. Every rank must call.
    /// </remarks>
    public static void Forward<T>(in BatchNormGeometry g, int batch, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        Span<T> runningMean, Span<T> runningVariance, Span<T> batchesTracked, Span<T> output, bool training, Span<T> savedMean, Span<T> savedInverseStd,
        ICollectives? group = null)
        where T : IFloatingPointIeee754<T>
    {
        int count = batch * g.Spatial;
        if (training && group is null && count < 2)
            throw new ArgumentException($"Batch norm over {g.Channels} channels needs more than one value per channel to train; got {count}.");

        double[]? rented = training ? ArrayPool<double>.Shared.Rent(2 * g.Channels + 1) : null;
        try
        {
            // Training: the batch mean, then the sum of squared deviations from it, per channel (each summed over the group).
            Span<double> sums = default, squares = default;
            double total = count;
            if (training)
            {
                sums = rented.AsSpan(0, g.Channels + 1);
                squares = rented.AsSpan(g.Channels + 1, g.Channels);
                for (int c = 0; c < g.Channels; c++)
                {
                    double sum = 0;
                    for (int n = 0; n < batch; n++)
                    foreach (T v in Plane(input, g, n, c)) sum += double.CreateChecked(v);
                    sums[c] = sum;
                }
                if (group is not null)
                {
                    sums[g.Channels] = count;
                    group.AllReduce(sums, ReduceOp.Sum);
                    total = sums[g.Channels];
                    if (total < 2)
                        throw new ArgumentException($"Batch norm over {g.Channels} channels needs more than one value per channel to train; got {total} over {group.WorldSize} ranks.");
                }
                for (int c = 0; c < g.Channels; c++)
                {
                    double mean = sums[c] / total;
                    double sum = 0;
                    for (int n = 0; n < batch; n++)
                    foreach (T v in Plane(input, g, n, c))
                    {
                        double d = double.CreateChecked(v) - mean;
                        sum += d * d;
                    }
                    squares[c] = sum;
                }
                group?.AllReduce(squares, ReduceOp.Sum);
            }

            for (int c = 0; c < g.Channels; c++)
            {
                double mean, variance;
                if (training)
                {
                    mean = sums[c] / total;
                    variance = squares[c] / total;
                    double momentum = g.Momentum;
                    runningMean[c] = T.CreateChecked((1 - momentum) * double.CreateChecked(runningMean[c]) + momentum * mean);
                    runningVariance[c] = T.CreateChecked((1 - momentum) * double.CreateChecked(runningVariance[c]) + momentum * squares[c] / (total - 1));
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
        }
        finally
        {
            if (rented is not null) ArrayPool<double>.Shared.Return(rented);
        }

        if (training && !batchesTracked.IsEmpty) batchesTracked[0] += T.One;
    }

    /// <summary>
    /// Overwrites the gradients, given the statistics the forward pass saved. In training the batch
    /// statistics depend on the input, which adds the two mean terms to dx; in evaluation they are constants.
    /// </summary>
    /// <remarks>
    /// With a <c>group</c> (training with synchronized statistics), the input gradient's two per-channel sums, Σdy and
    /// Σdy·x̂, and the value count are all-reduced over the group, as PyTorch's SyncBatchNorm does; the weight
    /// and bias gradients stay this rank's own sums, which data-parallel training then averages with the other
    /// gradients. Every rank must call.
    /// </remarks>
    public static void Backward<T>(in BatchNormGeometry g, int batch, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> outputGradient,
        Span<T> inputGradient, Span<T> weightGradient, Span<T> biasGradient, bool training, ReadOnlySpan<T> savedMean, ReadOnlySpan<T> savedInverseStd,
        ICollectives? group = null)
        where T : IFloatingPointIeee754<T>
    {
        int count = batch * g.Spatial;
        double[] rented = ArrayPool<double>.Shared.Rent(2 * g.Channels + 1);
        try
        {
            Span<double> sums = rented.AsSpan(0, 2 * g.Channels + 1);
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
                sums[c] = sumDy;
                sums[g.Channels + c] = sumDyXhat;
            }
            if (inputGradient.IsEmpty) return;

            double total = count;
            if (training && group is not null)
            {
                sums[2 * g.Channels] = count;
                group.AllReduce(sums, ReduceOp.Sum);
                total = sums[2 * g.Channels];
            }
            for (int c = 0; c < g.Channels; c++)
            {
                T mean = savedMean[c], inverseStd = savedInverseStd[c];
                T w = weight.IsEmpty ? T.One : weight[c];
                T meanDy = T.CreateChecked(sums[c] / total), meanDyXhat = T.CreateChecked(sums[g.Channels + c] / total);
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
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    private static ReadOnlySpan<T> Plane<T>(ReadOnlySpan<T> values, in BatchNormGeometry g, int sample, int channel)
        => values.Slice((sample * g.Channels + channel) * g.Spatial, g.Spatial);
}

/// <summary>
/// The reference batch norm in float, behind the operator interface. Keeps the statistics of its last
/// forward for the backward pass. With a group, training synchronizes the statistics over its ranks.
/// </summary>
internal sealed class ReferenceBatchNormOperator : IBatchNormOperator
{
    private readonly BatchNormGeometry _g;
    private readonly ICollectives? _group;
    private readonly float[] _savedMean, _savedInverseStd;
    private bool _training, _ready;

    public ReferenceBatchNormOperator(in BatchNormGeometry geometry, ICollectives? group = null)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
        _group = group;
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
            CpuTensor.Span(output, count, nameof(output)), training, _savedMean, _savedInverseStd, _group);
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
            _training, _savedMean, _savedInverseStd, _group);
    }
}
