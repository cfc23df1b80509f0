using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// A first layer fused with the 2×2, stride-2 max pool after it, computed in registers so that only
/// the pooled output is ever written: the MNIST tutorial net's conv1 (1→32, 3×3, pad 1, on 28×28),
/// where im2col + GEMM writes 32×28×28 floats per image and the pool reads them all back.
/// <para>The pooled pixels of a row are the lanes of one 512-bit vector (sixteen at a time). Each
/// image is copied once into a zero-padded buffer whose rows are split into their even and odd
/// columns, so that for every tap the conv outputs at even columns 2i (E) and at odd columns 2i + 1
/// (O) of a row are each one contiguous load away. A block of up to <see cref="BlockChannels"/>
/// output channels keeps four accumulators per channel — E and O of the two conv rows 2·py and
/// 2·py + 1 — and for each tap k = (c, kh, kw) loads the four input vectors once and multiplies them
/// by the channel's weight, broadcast. The pool is then max(max(E₀, O₀), max(E₁, O₁)), lane by lane,
/// and the epilogue y = f(m·scale + shift) is applied to that maximum, stored with a mask straight
/// into the NCHW pooled row.</para>
/// <para>Applying the scale, shift and activation after the max instead of before gives the same
/// floats only when they are nondecreasing: every scale positive (always so without a batch norm,
/// where it is 1) and no activation, ReLU or LeakyReLU with a slope of at least 0
/// (<see cref="Takes"/>, asked per call). The pool's NaN rule (a NaN wins its window) is kept by
/// leaving an image with a NaN or an infinity (<see cref="IsFinite"/>) to <see cref="ConvolveUnpooled"/>,
/// which writes the unpooled output for the caller to finish and pool as before; weights that are
/// not all finite leave the whole call to the caller's other paths (<see cref="WeightsFinite"/>).</para>
/// <para>Stride 1, dilation 1, one group, 1 to <see cref="MaxInChannels"/> input channels, kernels up
/// to <see cref="MaxKernel"/>×<see cref="MaxKernel"/>, any padding the geometry allows, odd planes
/// pooled with the floor (the last conv row and column are never computed). The weights are packed
/// per block as [k][channel] (<see cref="PackWeights"/>), the caller keeping them between calls
/// (<see cref="PackedWeightCache"/>). <see cref="Reference.Conv2dReference"/> and
/// <see cref="Reference.Pool2dReference"/> are the reference.</para>
/// </summary>
internal sealed unsafe class PooledDirectConvolution
{
    /// <summary>Pooled pixels per vector.</summary>
    private const int Lanes = 16;

    /// <summary>The most input channels: first layers (grey or RGB images).</summary>
    private const int MaxInChannels = 3;

    /// <summary>The largest kernel side.</summary>
    private const int MaxKernel = 5;

    /// <summary>The most output channels (the packed weights, 64·75 floats at most, stay in L1).</summary>
    private const int MaxOutChannels = 64;

    /// <summary>
    /// Output channels per register block: four accumulators each, 24 of the 32 vector registers,
    /// with the four input vectors and a broadcast weight beside them.
    /// </summary>
    private const int BlockChannels = 6;

    private readonly Conv2dGeometry _g;
    private readonly int _depth, _pooledHeight, _pooledWidth, _segments, _half, _rows, _blocks;

    // Where tap k = (c, kh, kw) is read for the even (E) and odd (O) conv columns, relative to the
    // first of a pooled row's padded rows: pinned, read by every worker.
    private readonly int[] _evenOffsets, _oddOffsets;

    /// <summary>Prepares the taps of <paramref name="geometry"/> and <paramref name="pool"/>, which <see cref="Applies"/> must accept.</summary>
    public PooledDirectConvolution(in Conv2dGeometry geometry, in Pool2dGeometry pool)
    {
        if (!Applies(geometry, pool))
            throw new ArgumentException($"The pooled direct convolution does not take {geometry} with {pool}: it needs AVX-512, stride 1, no dilation, one group, "
                + $"at most {MaxInChannels} input channels, a kernel of at most {MaxKernel}×{MaxKernel}, at most {MaxOutChannels} output channels and a 2×2, stride-2, unpadded max pool.", nameof(geometry));
        _g = geometry;
        _depth = geometry.InChannels * geometry.KernelHeight * geometry.KernelWidth;
        _pooledHeight = pool.OutHeight;
        _pooledWidth = pool.OutWidth;
        _segments = (_pooledWidth + Lanes - 1) / Lanes;
        // Each half row (the even or the odd padded columns) holds the segments' loads, shifted by up to KernelWidth/2.
        _half = (_segments * Lanes + geometry.KernelWidth / 2 + Lanes - 1) / Lanes * Lanes;
        // Padded rows the pooled rows read: conv rows 0 … 2·pooledHeight − 1 and the kernel's reach below.
        _rows = 2 * _pooledHeight + geometry.KernelHeight - 1;
        _blocks = (geometry.OutChannels + BlockChannels - 1) / BlockChannels;
        _evenOffsets = GC.AllocateArray<int>(_depth, pinned: true);
        _oddOffsets = GC.AllocateArray<int>(_depth, pinned: true);
        int k = 0;
        for (int c = 0; c < geometry.InChannels; c++)
            for (int kh = 0; kh < geometry.KernelHeight; kh++)
                for (int kw = 0; kw < geometry.KernelWidth; kw++, k++)
                {
                    int row = (c * _rows + kh) * 2 * _half;
                    // Conv column 2i reads padded column 2i + kw; 2i + 1 reads 2i + 1 + kw. Even padded columns are the row's first half.
                    _evenOffsets[k] = row + (kw % 2 == 0 ? kw / 2 : _half + kw / 2);
                    _oddOffsets[k] = row + (kw % 2 == 1 ? (kw + 1) / 2 : _half + kw / 2);
                }
    }

    /// <summary>Whether a convolution of <paramref name="g"/> followed by <paramref name="pool"/> can run here.</summary>
    public static bool Applies(in Conv2dGeometry g, in Pool2dGeometry pool) =>
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated && g.Groups == 1 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.DilationHeight == 1 && g.DilationWidth == 1 && g.InChannels <= MaxInChannels && g.OutChannels <= MaxOutChannels
        && g.KernelHeight <= MaxKernel && g.KernelWidth <= MaxKernel
        && pool.Kind == PoolKind.Max && pool.KernelHeight == 2 && pool.KernelWidth == 2 && pool.StrideHeight == 2 && pool.StrideWidth == 2
        && pool.PaddingHeight == 0 && pool.PaddingWidth == 0 && pool.Channels == g.OutChannels
        && pool.InHeight == g.OutHeight && pool.InWidth == g.OutWidth && pool.OutHeight == g.OutHeight / 2 && pool.OutWidth == g.OutWidth / 2
        && pool.OutHeight >= 1 && pool.OutWidth >= 1;

    /// <summary>
    /// Whether a call with <paramref name="epilogue"/> may apply it after the
    /// max: every scale positive and finite, every shift finite, and no activation, ReLU or LeakyReLU
    /// with a slope of at least 0.
    /// </summary>
    public static bool Takes(ChannelEpilogue epilogue)
    {
        if (epilogue.Activation is { } kind && !(kind is ActivationKind.ReLU or ActivationKind.LeakyReLU && epilogue.NegativeSlope >= 0f && float.IsFinite(epilogue.NegativeSlope)))
            return false;
        foreach (float s in epilogue.Scale) if (!(s > 0f && float.IsFinite(s))) return false;
        foreach (float s in epilogue.Shift) if (!float.IsFinite(s)) return false;
        return true;
    }

    /// <summary>Floats of the padded, column-split copy of one image and its staging row (a buffer per worker).</summary>
    public static int PaddedSize(in Conv2dGeometry g, in Pool2dGeometry pool)
    {
        int segments = (pool.OutWidth + Lanes - 1) / Lanes, half = (segments * Lanes + g.KernelWidth / 2 + Lanes - 1) / Lanes * Lanes;
        return checked((g.InChannels * (2 * pool.OutHeight + g.KernelHeight - 1) + 1) * 2 * half);
    }

    /// <summary>Floats of the packed weights: OutChannels·InChannels·KernelHeight·KernelWidth.</summary>
    public static int PackedWeightsSize(in Conv2dGeometry g) => g.OutChannels * g.InChannels * g.KernelHeight * g.KernelWidth;

    /// <summary>Whether the weights of the last <see cref="PackWeights"/> were all finite.</summary>
    public bool WeightsFinite { get; private set; }

    /// <summary>
    /// packed[first·depth + k·count + j] = weight[first + j, k] for each block [first, first + count)
    /// of output channels, and whether those weights are all finite (<see cref="WeightsFinite"/>).
    /// </summary>
    public void PackWeights(float* weight, float* packed)
    {
        for (int block = 0; block < _blocks; block++)
        {
            (int first, int end) = WorkerPool.Share(_g.OutChannels, block, _blocks);
            for (int j = first; j < end; j++)
                for (int k = 0; k < _depth; k++)
                    packed[(long)first * _depth + k * (end - first) + (j - first)] = weight[(long)j * _depth + k];
        }
        WeightsFinite = IsFinite(weight, _g.WeightSize);
    }

    /// <summary>Whether none of <paramref name="count"/> floats is a NaN or an infinity.</summary>
    public static bool IsFinite(float* values, long count)
    {
        // x − x is 0 for a finite x and NaN otherwise; the sum stays 0 only if all are finite.
        Vector512<float> sum = Vector512<float>.Zero;
        long i = 0;
        for (; i <= count - Lanes; i += Lanes)
        {
            Vector512<float> v = Vector512.Load(values + i);
            sum += v - v;
        }
        float tail = 0f;
        for (; i < count; i++) tail += values[i] - values[i];
        return Vector512.Sum(sum) == 0f && tail == 0f;
    }

    /// <summary>
    /// Copies one image into <paramref name="padded"/> (<see cref="PaddedSize"/> floats): per input
    /// channel, each padded row read by the pooled rows as its even columns, then its odd ones, each
    /// half a whole number of vectors. Rows and columns of padding hold zeros: they are written only
    /// when <paramref name="clear"/> (a worker's first image of a call), since later images overwrite
    /// only the inside.
    /// </summary>
    public void Split(float* image, float* padded, bool clear)
    {
        int rowFloats = 2 * _half;
        float* staging = padded + (long)_g.InChannels * _rows * rowFloats;
        if (clear) new Span<float>(padded, (_g.InChannels * _rows + 1) * rowFloats).Clear();
        int columns = Math.Min(_g.InWidth, rowFloats - _g.PaddingWidth);
        Vector512<int> even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<int> odd = even + Vector512<int>.One;
        for (int c = 0; c < _g.InChannels; c++)
            for (int r = 0; r < _rows; r++)
            {
                int iy = r - _g.PaddingHeight;
                if (iy < 0 || iy >= _g.InHeight) continue;
                // The staging row's padding columns are never written: they stay 0 from the clear.
                new ReadOnlySpan<float>(image + ((long)c * _g.InHeight + iy) * _g.InWidth, columns).CopyTo(new Span<float>(staging + _g.PaddingWidth, columns));
                float* row = padded + ((long)c * _rows + r) * rowFloats;
                for (int j = 0; j < _half; j += Lanes)
                {
                    Vector512<float> a = Vector512.Load(staging + 2 * j), b = Vector512.Load(staging + 2 * j + Lanes);
                    Avx512F.PermuteVar16x32x2(a, even, b).Store(row + j);
                    Avx512F.PermuteVar16x32x2(a, odd, b).Store(row + _half + j);
                }
            }
    }

    /// <summary>
    /// Pooled rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) of every output channel of
    /// one image, from its <see cref="Split"/> copy: pooled[o, py, px] = f(max over the 2×2 window of
    /// conv[o]·scale[o] + shift[o]), written to <paramref name="output"/> (the image's pooled planes).
    /// </summary>
    public void Forward(float* padded, float* packedWeights, float* scale, float* shift, float slope, float* output, int firstRow, int endRow)
    {
        int* evenOffsets = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_evenOffsets));
        int* oddOffsets = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_oddOffsets));
        int plane = _pooledHeight * _pooledWidth, rowFloats = 2 * _half;
        for (int block = 0; block < _blocks; block++)
        {
            (int first, int end) = WorkerPool.Share(_g.OutChannels, block, _blocks);
            float* weights = packedWeights + (long)first * _depth;
            for (int py = firstRow; py < endRow; py++)
                for (int segment = 0; segment < _segments; segment++)
                {
                    int px = segment * Lanes;
                    Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(_pooledWidth - px)).AsSingle();
                    var args = new SegmentArgs(padded + (long)py * 2 * rowFloats + px, evenOffsets, oddOffsets, _depth, rowFloats, weights,
                        scale + first, shift + first, slope, output + (long)first * plane + (long)py * _pooledWidth + px, plane, mask);
                    switch (end - first)
                    {
                        case 6: Segment<Six>(args); break;
                        case 5: Segment<Five>(args); break;
                        case 4: Segment<Four>(args); break;
                        case 3: Segment<Three>(args); break;
                        case 2: Segment<Two>(args); break;
                        default: Segment<One>(args); break;
                    }
                }
        }
    }

    /// <summary>One segment's operands: the first padded row's position, the taps, the block's weights and epilogue, and where its pooled pixels go.</summary>
    private readonly struct SegmentArgs(float* top, int* evenOffsets, int* oddOffsets, int depth, int below, float* weights,
        float* scale, float* shift, float slope, float* destination, int plane, Vector512<float> mask)
    {
        public readonly float* Top = top, Weights = weights, Scale = scale, Shift = shift, Destination = destination;
        public readonly int* EvenOffsets = evenOffsets, OddOffsets = oddOffsets;
        public readonly int Depth = depth, Below = below, Plane = plane;
        public readonly float Slope = slope;
        public readonly Vector512<float> Mask = mask;
    }

    /// <summary>
    /// Sixteen pooled pixels of one row for the TCount channels of a block: the four accumulators
    /// of each channel stay in registers through all the taps (no calls inside), then are pooled,
    /// finished and stored. The JIT compiles one copy per count, with the unused accumulators gone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Segment<TCount>(in SegmentArgs s)
        where TCount : struct, IChannelCount
    {
        int count = TCount.Value;
        float* top = s.Top, w = s.Weights;
        int* evenOffsets = s.EvenOffsets, oddOffsets = s.OddOffsets;
        int below = s.Below, depth = s.Depth;
        Vector512<float> e0 = default, o0 = default, f0 = default, p0 = default, e1 = default, o1 = default, f1 = default, p1 = default;
        Vector512<float> e2 = default, o2 = default, f2 = default, p2 = default, e3 = default, o3 = default, f3 = default, p3 = default;
        Vector512<float> e4 = default, o4 = default, f4 = default, p4 = default, e5 = default, o5 = default, f5 = default, p5 = default;
        for (int k = 0; k < depth; k++, w += count)
        {
            // E and O of the upper conv row (x, y) and of the lower one (u, v), one padded row further down.
            float* even = top + evenOffsets[k], odd = top + oddOffsets[k];
            Vector512<float> x = Vector512.Load(even), y = Vector512.Load(odd), u = Vector512.Load(even + below), v = Vector512.Load(odd + below);
            Vector512<float> c = Vector512.Create(w[0]);
            e0 = Vector512.FusedMultiplyAdd(x, c, e0); o0 = Vector512.FusedMultiplyAdd(y, c, o0); f0 = Vector512.FusedMultiplyAdd(u, c, f0); p0 = Vector512.FusedMultiplyAdd(v, c, p0);
            if (count > 1)
            {
                c = Vector512.Create(w[1]);
                e1 = Vector512.FusedMultiplyAdd(x, c, e1); o1 = Vector512.FusedMultiplyAdd(y, c, o1); f1 = Vector512.FusedMultiplyAdd(u, c, f1); p1 = Vector512.FusedMultiplyAdd(v, c, p1);
            }
            if (count > 2)
            {
                c = Vector512.Create(w[2]);
                e2 = Vector512.FusedMultiplyAdd(x, c, e2); o2 = Vector512.FusedMultiplyAdd(y, c, o2); f2 = Vector512.FusedMultiplyAdd(u, c, f2); p2 = Vector512.FusedMultiplyAdd(v, c, p2);
            }
            if (count > 3)
            {
                c = Vector512.Create(w[3]);
                e3 = Vector512.FusedMultiplyAdd(x, c, e3); o3 = Vector512.FusedMultiplyAdd(y, c, o3); f3 = Vector512.FusedMultiplyAdd(u, c, f3); p3 = Vector512.FusedMultiplyAdd(v, c, p3);
            }
            if (count > 4)
            {
                c = Vector512.Create(w[4]);
                e4 = Vector512.FusedMultiplyAdd(x, c, e4); o4 = Vector512.FusedMultiplyAdd(y, c, o4); f4 = Vector512.FusedMultiplyAdd(u, c, f4); p4 = Vector512.FusedMultiplyAdd(v, c, p4);
            }
            if (count > 5)
            {
                c = Vector512.Create(w[5]);
                e5 = Vector512.FusedMultiplyAdd(x, c, e5); o5 = Vector512.FusedMultiplyAdd(y, c, o5); f5 = Vector512.FusedMultiplyAdd(u, c, f5); p5 = Vector512.FusedMultiplyAdd(v, c, p5);
            }
        }
        Vector512<float> slope = Vector512.Create(s.Slope);
        Finish(e0, o0, f0, p0, s, slope, 0);
        if (count > 1) Finish(e1, o1, f1, p1, s, slope, 1);
        if (count > 2) Finish(e2, o2, f2, p2, s, slope, 2);
        if (count > 3) Finish(e3, o3, f3, p3, s, slope, 3);
        if (count > 4) Finish(e4, o4, f4, p4, s, slope, 4);
        if (count > 5) Finish(e5, o5, f5, p5, s, slope, 5);
    }

    /// <summary>The window maxima of one channel, then f(m·scale + shift) (slope 1 without an activation, 0 for ReLU), stored with the segment's mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector512<float> e, Vector512<float> o, Vector512<float> f, Vector512<float> p, in SegmentArgs s, Vector512<float> slope, int j)
    {
        // Finite values only (the caller sent the others elsewhere), so vmaxps's NaN rule does not matter.
        Vector512<float> m = Avx512F.Max(Avx512F.Max(e, o), Avx512F.Max(f, p));
        Vector512<float> y = Vector512.FusedMultiplyAdd(m, Vector512.Create(s.Scale[j]), Vector512.Create(s.Shift[j]));
        // ReLU selects 0 rather than y·0, which is NaN where the shift (or an overflow) makes y = −∞.
        y = Vector512.ConditionalSelect(Vector512.LessThan(y, Vector512<float>.Zero), s.Slope == 0f ? Vector512<float>.Zero : y * slope, y);
        Avx512F.MaskStore(s.Destination + (long)j * s.Plane, s.Mask, y);
    }

    /// <summary>
    /// The unpooled convolution of one image without bias, output[o, oy, ox] = Σ_k w[o, k]·x[c, oy + kh − ph, ox + kw − pw]
    /// in plain loops: the path of an image with a NaN or an infinity, whose pooling must follow the
    /// pool's NaN rule (the caller applies the epilogue and pools it).
    /// </summary>
    public void ConvolveUnpooled(float* image, float* weight, float* output)
    {
        int plane = _g.OutHeight * _g.OutWidth;
        for (int o = 0; o < _g.OutChannels; o++)
            for (int oy = 0; oy < _g.OutHeight; oy++)
                for (int ox = 0; ox < _g.OutWidth; ox++)
                {
                    float sum = 0f;
                    int k = 0;
                    for (int c = 0; c < _g.InChannels; c++)
                        for (int kh = 0; kh < _g.KernelHeight; kh++)
                            for (int kw = 0; kw < _g.KernelWidth; kw++, k++)
                            {
                                int iy = oy + kh - _g.PaddingHeight, ix = ox + kw - _g.PaddingWidth;
                                if (iy >= 0 && iy < _g.InHeight && ix >= 0 && ix < _g.InWidth)
                                    sum += weight[(long)o * _depth + k] * image[((long)c * _g.InHeight + iy) * _g.InWidth + ix];
                            }
                    output[(long)o * plane + (long)oy * _g.OutWidth + ox] = sum;
                }
    }
}
