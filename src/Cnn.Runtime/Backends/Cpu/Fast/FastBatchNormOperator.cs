using System.Numerics;
using Cnn.Backends.Cpu.Reference;
using Cnn.Distributed;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Batch normalisation with SIMD passes over each channel's planes, split over the pool by fixed
/// shares of channels. Each channel's sums run in one order whatever the thread count: float lanes
/// per plane, added plane by plane into double, as the reference accumulates in double. BatchNorm1d
/// (one value per channel and sample) strides across channels and runs the reference instead.
/// With a group (synchronized batch norm), training splits each pass in two around the all-reduces of
/// the per-channel sums (see <see cref="BatchNormReference"/>): sums, then squared deviations from the
/// global mean, then the normalisation; in backward Σdy and Σdy·x̂, then the input gradient.
/// </summary>
internal sealed unsafe class FastBatchNormOperator : IBatchNormOperator, IParallelWork
{
    private readonly BatchNormGeometry _g;
    private readonly WorkerPool _pool;
    private readonly ReferenceBatchNormOperator? _reference;
    private readonly float[] _savedMean, _savedInverseStd, _batchMean, _batchVariance;
    private readonly ICollectives? _group;
    // With a group: per channel Σx (then Σdy), Σdy·x̂, and the count; and Σ(x − μ)².
    private readonly double[]? _sums, _squares;
    private bool _training, _ready;

    // The call in flight.
    private Pass _pass;
    private int _batch;
    private double _total;
    private float* _input, _weight, _bias, _output, _outputGradient, _inputGradient, _weightGradient, _biasGradient;

    public FastBatchNormOperator(in BatchNormGeometry geometry, WorkerPool pool, ICollectives? group = null)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
        _pool = pool;
        _group = group;
        if (group is not null)
        {
            _sums = new double[2 * geometry.Channels + 1];
            _squares = new double[geometry.Channels];
        }
        if (geometry.Spatial < Vector<float>.Count) _reference = new ReferenceBatchNormOperator(geometry, group);
        _savedMean = GC.AllocateArray<float>(geometry.Channels, pinned: true);
        _savedInverseStd = GC.AllocateArray<float>(geometry.Channels, pinned: true);
        _batchMean = GC.AllocateArray<float>(geometry.Channels, pinned: true);
        _batchVariance = GC.AllocateArray<float>(geometry.Channels, pinned: true);
    }

    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVariance, Tensor batchesTracked, Tensor output, bool training)
    {
        if (_reference != null)
        {
            _reference.Forward(batch, input, weight, bias, runningMean, runningVariance, batchesTracked, output, training);
            return;
        }

        GeometryChecks.Batch(batch, _g.MaxBatch);
        long count = (long)batch * _g.Channels * _g.Spatial;
        int perChannel = batch * _g.Spatial;
        if (training && _group is null && perChannel < 2)
            throw new ArgumentException($"Batch norm over {_g.Channels} channels needs more than one value per channel to train; got {perChannel}.");
        _input = CpuTensor.Pointer(input, count, nameof(input));
        _weight = CpuTensor.OptionalPointer(weight, _g.Channels, nameof(weight));
        _bias = CpuTensor.OptionalPointer(bias, _g.Channels, nameof(bias));
        float* mean = CpuTensor.Pointer(runningMean, _g.Channels, nameof(runningMean));
        float* variance = CpuTensor.Pointer(runningVariance, _g.Channels, nameof(runningVariance));
        float* tracked = CpuTensor.OptionalPointer(batchesTracked, 1, nameof(batchesTracked));
        _output = CpuTensor.Pointer(output, count, nameof(output));
        _batch = batch;
        _training = training;
        _total = perChannel;

        if (!training)
            for (int c = 0; c < _g.Channels; c++)
            {
                _savedMean[c] = mean[c];
                _savedInverseStd[c] = (float)(1 / Math.Sqrt((double)variance[c] + _g.Epsilon));
            }

        int threads = count >= WorkerPool.ParallelElements ? _pool.Threads : 1;
        if (training && _group is not null) SynchronizedStatistics(threads, perChannel);
        _pass = training && _group is not null ? Pass.Normalise : Pass.Forward;
        _pool.Run(this, threads);

        if (training)
        {
            // The running statistics, on the calling thread once the batch statistics are known.
            double momentum = _g.Momentum, total = _total;
            for (int c = 0; c < _g.Channels; c++)
            {
                mean[c] = (float)((1 - momentum) * mean[c] + momentum * _batchMean[c]);
                variance[c] = (float)((1 - momentum) * variance[c] + momentum * (double)_batchVariance[c] * total / (total - 1));
            }
            if (tracked != null) tracked[0] += 1f;
            RunningStatistics.MarkWritten(runningMean, runningVariance);
        }
        _ready = true;
    }

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        if (_reference != null)
        {
            _reference.Backward(batch, input, weight, outputGradient, inputGradient, weightGradient, biasGradient);
            return;
        }

        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (!_ready) throw new InvalidOperationException("Batch norm backward needs a forward pass first: it uses that pass's statistics.");
        long count = (long)batch * _g.Channels * _g.Spatial;
        _input = CpuTensor.Pointer(input, count, nameof(input));
        _weight = CpuTensor.OptionalPointer(weight, _g.Channels, nameof(weight));
        _outputGradient = CpuTensor.Pointer(outputGradient, count, nameof(outputGradient));
        _inputGradient = CpuTensor.OptionalPointer(inputGradient, count, nameof(inputGradient));
        _weightGradient = CpuTensor.OptionalPointer(weightGradient, _g.Channels, nameof(weightGradient));
        _biasGradient = CpuTensor.OptionalPointer(biasGradient, _g.Channels, nameof(biasGradient));
        _batch = batch;
        int threads = count >= WorkerPool.ParallelElements ? _pool.Threads : 1;
        if (_group is null || !_training)
        {
            _pass = Pass.Backward;
            _pool.Run(this, threads);
            return;
        }

        // Synchronized: this rank's sums (and its weight and bias gradients), their all-reduce, then dx with the global sums.
        _pass = Pass.GradientSums;
        _pool.Run(this, threads);
        if (_inputGradient == null) return;
        Span<double> sums = _sums.AsSpan(0, 2 * _g.Channels + 1);
        sums[2 * _g.Channels] = (double)batch * _g.Spatial;
        _group.AllReduce(sums, ReduceOp.Sum);
        _total = sums[2 * _g.Channels];
        _pass = Pass.InputGradient;
        _pool.Run(this, threads);
    }

    /// <summary>The batch statistics of all ranks: Σx and the count all-reduced, then Σ(x − μ)² about the global mean.</summary>
    private void SynchronizedStatistics(int threads, int perChannel)
    {
        _pass = Pass.Sums;
        _pool.Run(this, threads);
        Span<double> sums = _sums.AsSpan(0, _g.Channels + 1);
        sums[_g.Channels] = perChannel;
        _group!.AllReduce(sums, ReduceOp.Sum);
        _total = sums[_g.Channels];
        if (_total < 2)
            throw new ArgumentException($"Batch norm over {_g.Channels} channels needs more than one value per channel to train; got {_total} over {_group.WorldSize} ranks.");
        _pass = Pass.Squares;
        _pool.Run(this, threads);
        _group.AllReduce(_squares, ReduceOp.Sum);
        for (int c = 0; c < _g.Channels; c++)
        {
            double mean = _sums![c] / _total, variance = _squares![c] / _total;
            _batchMean[c] = (float)mean;
            _batchVariance[c] = (float)variance;
            _savedMean[c] = (float)mean;
            _savedInverseStd[c] = (float)(1 / Math.Sqrt(variance + _g.Epsilon));
        }
    }

    void IParallelWork.Execute(int worker, int workers)
    {
        (int first, int end) = WorkerPool.Share(_g.Channels, worker, workers);
        for (int c = first; c < end; c++)
        {
            switch (_pass)
            {
                case Pass.Forward: ForwardChannel(c); break;
                case Pass.Sums: _sums![c] = ChannelSum(c); break;
                case Pass.Squares: _squares![c] = ChannelSquares(c, _sums![c] / _total); break;
                case Pass.Normalise: NormaliseChannel(c); break;
                case Pass.Backward: BackwardChannel(c); break;
                case Pass.GradientSums: (_sums![c], _sums[_g.Channels + c]) = GradientSums(c); break;
                case Pass.InputGradient: InputGradientChannel(c, (float)(_sums![c] / _total), (float)(_sums[_g.Channels + c] / _total)); break;
            }
        }
    }

    private void ForwardChannel(int c)
    {
        if (_training)
        {
            double count = _batch * _g.Spatial;
            double mean = ChannelSum(c) / count;
            double variance = ChannelSquares(c, mean) / count;
            _batchMean[c] = (float)mean;
            _batchVariance[c] = (float)variance;
            _savedMean[c] = (float)mean;
            _savedInverseStd[c] = (float)(1 / Math.Sqrt(variance + _g.Epsilon));
        }
        NormaliseChannel(c);
    }

    private double ChannelSum(int c)
    {
        int spatial = _g.Spatial, stride = _g.Channels * spatial;
        float* x = _input + (long)c * spatial;
        double sum = 0;
        for (int n = 0; n < _batch; n++) sum += Sum(x + (long)n * stride, spatial);
        return sum;
    }

    private double ChannelSquares(int c, double mean)
    {
        int spatial = _g.Spatial, stride = _g.Channels * spatial;
        float* x = _input + (long)c * spatial;
        double squares = 0;
        for (int n = 0; n < _batch; n++) squares += SquaredDeviations(x + (long)n * stride, spatial, (float)mean);
        return squares;
    }

    private void NormaliseChannel(int c)
    {
        int spatial = _g.Spatial, stride = _g.Channels * spatial;
        float* x = _input + (long)c * spatial, y = _output + (long)c * spatial;
        float m = _savedMean[c], inverseStd = _savedInverseStd[c];
        float scale = _weight == null ? inverseStd : _weight[c] * inverseStd, shift = _bias == null ? 0f : _bias[c];
        var vm = new Vector<float>(m);
        var vscale = new Vector<float>(scale);
        var vshift = new Vector<float>(shift);
        for (int n = 0; n < _batch; n++)
        {
            float* src = x + (long)n * stride, dst = y + (long)n * stride;
            int i = 0;
            for (; i <= spatial - Vector<float>.Count; i += Vector<float>.Count)
                ((Vector.Load(src + i) - vm) * vscale + vshift).Store(dst + i);
            for (; i < spatial; i++) dst[i] = (src[i] - m) * scale + shift;
        }
    }

    private void BackwardChannel(int c)
    {
        (double sumDy, double sumDyXhat) = GradientSums(c);
        if (_inputGradient == null) return;
        int count = _batch * _g.Spatial;
        InputGradientChannel(c, _training ? (float)(sumDy / count) : 0f, _training ? (float)(sumDyXhat / count) : 0f);
    }

    /// <summary>Σdy and Σdy·x̂ over this rank's samples; writes them as the bias and weight gradients.</summary>
    private (double SumDy, double SumDyXhat) GradientSums(int c)
    {
        int spatial = _g.Spatial, stride = _g.Channels * spatial;
        float* x = _input + (long)c * spatial, dy = _outputGradient + (long)c * spatial;
        float m = _savedMean[c], inverseStd = _savedInverseStd[c];
        var vm = new Vector<float>(m);
        var vinv = new Vector<float>(inverseStd);

        double sumDy = 0, sumDyXhat = 0;
        for (int n = 0; n < _batch; n++)
        {
            float* xs = x + (long)n * stride, gs = dy + (long)n * stride;
            Vector<float> a = Vector<float>.Zero, b = Vector<float>.Zero;
            int i = 0;
            for (; i <= spatial - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> g = Vector.Load(gs + i);
                a += g;
                b += g * ((Vector.Load(xs + i) - vm) * vinv);
            }
            float tailA = 0f, tailB = 0f;
            for (; i < spatial; i++)
            {
                tailA += gs[i];
                tailB += gs[i] * ((xs[i] - m) * inverseStd);
            }
            sumDy += Vector.Sum(a) + tailA;
            sumDyXhat += Vector.Sum(b) + tailB;
        }
        if (_weightGradient != null) _weightGradient[c] = (float)sumDyXhat;
        if (_biasGradient != null) _biasGradient[c] = (float)sumDy;
        return (sumDy, sumDyXhat);
    }

    /// <summary>dx = w·invstd·(dy − meanDy − x̂·meanDyXhat); the two means are 0 in evaluation.</summary>
    private void InputGradientChannel(int c, float meanDy, float meanDyXhat)
    {
        int spatial = _g.Spatial, stride = _g.Channels * spatial;
        float* x = _input + (long)c * spatial, dy = _outputGradient + (long)c * spatial;
        float m = _savedMean[c], inverseStd = _savedInverseStd[c];
        var vm = new Vector<float>(m);
        var vinv = new Vector<float>(inverseStd);
        float w = _weight == null ? 1f : _weight[c];
        var vmeanDy = new Vector<float>(meanDy);
        var vmeanDyXhat = new Vector<float>(meanDyXhat);
        var vfactor = new Vector<float>(w * inverseStd);
        float factor = w * inverseStd;
        float* dx = _inputGradient + (long)c * spatial;
        for (int n = 0; n < _batch; n++)
        {
            float* xs = x + (long)n * stride, gs = dy + (long)n * stride, ds = dx + (long)n * stride;
            int i = 0;
            for (; i <= spatial - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> xhat = (Vector.Load(xs + i) - vm) * vinv;
                ((Vector.Load(gs + i) - vmeanDy - xhat * vmeanDyXhat) * vfactor).Store(ds + i);
            }
            for (; i < spatial; i++)
                ds[i] = (gs[i] - meanDy - (xs[i] - m) * inverseStd * meanDyXhat) * factor;
        }
    }

    private static double Sum(float* x, int count)
    {
        Vector<float> acc = Vector<float>.Zero;
        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count) acc += Vector.Load(x + i);
        double sum = Vector.Sum(acc);
        for (; i < count; i++) sum += x[i];
        return sum;
    }

    private static double SquaredDeviations(float* x, int count, float mean)
    {
        var vm = new Vector<float>(mean);
        Vector<float> acc = Vector<float>.Zero;
        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector<float> d = Vector.Load(x + i) - vm;
            acc += d * d;
        }
        double sum = Vector.Sum(acc);
        for (; i < count; i++)
        {
            double d = x[i] - mean;
            sum += d * d;
        }
        return sum;
    }

    private enum Pass
    {
        Forward,
        Sums,
        Squares,
        Normalise,
        Backward,
        GradientSums,
        InputGradient,
    }
}
