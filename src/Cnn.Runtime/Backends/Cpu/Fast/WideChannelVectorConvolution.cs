using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Cnn.Backends.Cpu.Fast.ChannelVectorConvolution;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// The forward pass of a convolution with many output channels, computed directly with the output
/// channels as vector lanes: <see cref="ChannelVectorConvolution"/>'s scheme register-blocked for
/// wide layers. The output channels go in blocks of 32 (two 512-bit vectors; a last block of at most
/// sixteen takes one); each block's weights are packed once as [k][32] (k = (c, kh, kw), any depth)
/// and stream from cache while a segment of up to <see cref="MaxPixels"/> output pixels keeps its
/// two accumulators per pixel (28 of the 32 vector registers) for the whole reduction. Each step k
/// loads the block's two weight vectors once and multiplies each pixel's input at that tap,
/// broadcast, into both: two FMAs per broadcast load, so the FMAs, not the loads, bound it. A
/// segment is a piece of one output row, or two whole rows of a narrow plane (at most seven wide:
/// 6×6, 7×7), so that small planes still fill the registers. The accumulators are then transposed
/// (16×16, in registers: <see cref="ChannelVectorConvolution.Store"/>) into the channel rows of the
/// NCHW output and stored with a mask. Strides of 1 or 2 (a segment's pixels then read every other
/// input column; the JIT compiles a kernel per stride), one group, any padding (an image is copied once
/// into a zero-padded buffer; unpadded images are read in place) and dilation.
/// <see cref="Reference.Conv2dReference"/> is the reference.
/// </summary>
internal sealed unsafe class WideChannelVectorConvolution
{
    /// <summary>Output channels per block: two vectors.</summary>
    public const int BlockChannels = 2 * Lanes;

    /// <summary>The most pixels of a segment: two accumulators each, two weight vectors and a broadcast fill 31 of the 32 vector registers.</summary>
    public const int MaxPixels = 14;

    // Rows of each half of the segment tile: a two-row segment's second row starts at row 7 at most, and Store reads sixteen from there.
    private const int TileRows = 24;

    private readonly Conv2dGeometry _g;
    private readonly int _paddedHeight, _paddedWidth, _depth, _blocks;

    // Whether segments are pairs of whole output rows (planes at most MaxPixels / 2 wide), and otherwise the widths of a row's segments.
    private readonly bool _twoRows;
    private readonly int[] _segmentWidths;

    // Where tap k = (c, kh, kw) lies in the (padded) image, relative to the output pixel's position: pinned, read by every worker.
    private readonly int[] _offsets;

    /// <summary>Prepares the taps and segments of <paramref name="geometry"/>, which <see cref="Applies"/> must accept.</summary>
    public WideChannelVectorConvolution(in Conv2dGeometry geometry)
    {
        if (!Applies(geometry)) throw new ArgumentException($"The wide channel-vector convolution does not take {geometry}: it needs AVX-512, strides of 1 or 2 and one group.", nameof(geometry));
        _g = geometry;
        _paddedHeight = geometry.InHeight + 2 * geometry.PaddingHeight;
        _paddedWidth = geometry.InWidth + 2 * geometry.PaddingWidth;
        _depth = geometry.InChannels * geometry.KernelHeight * geometry.KernelWidth;
        _blocks = (geometry.OutChannels + BlockChannels - 1) / BlockChannels;
        _offsets = ChannelVectorConvolution.TapOffsets(geometry, _paddedHeight, _paddedWidth);

        _twoRows = geometry.OutWidth <= MaxPixels / 2 && geometry.OutHeight > 1;
        int segments = (geometry.OutWidth + MaxPixels - 1) / MaxPixels;
        _segmentWidths = new int[segments];
        for (int s = 0; s < segments; s++) _segmentWidths[s] = geometry.OutWidth / segments + (s < geometry.OutWidth % segments ? 1 : 0);
    }

    /// <summary>Whether a convolution of <paramref name="g"/> can run here (<see cref="Preferred"/> says whether it should).</summary>
    public static bool Applies(in Conv2dGeometry g) =>
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated && g.Groups == 1 && g.StrideHeight is 1 or 2 && g.StrideWidth is 1 or 2;

    /// <summary>The fewest output channels the rule gives this path: one whole block. 17 to 31 were not measured and stay with the GEMM.</summary>
    public const int MinOutChannels = BlockChannels;

    /// <summary>
    /// The shortest reduction (InChannels·KernelHeight·KernelWidth) the rule gives this path: the
    /// AlexNet-like net's 3→64 4×4 first layer (depth 48) ran 62–80 → 39–41 µs at batch 1 and
    /// 1.66–1.86 → 1.48–1.55 ms at batch 64 here, while the MNIST net's 1→32 3×3 (depth 9), whose
    /// time goes to storing its outputs, ran 8.1–8.3 → 8.2–16.9 µs at batch 1 and 255–355 → 345–391 µs
    /// at batch 64, slower than im2col + GEMM. Depths between were not measured.
    /// </summary>
    public const int MinDepth = 48;

    /// <summary>
    /// The rule: a convolution that <see cref="Applies"/> runs its forward pass here, for the batches
    /// that Winograd (<see cref="WinogradConvolution.MinBatch"/>) does not take, when it has at least
    /// <see cref="MinOutChannels"/> output channels, a reduction of at least <see cref="MinDepth"/>, a kernel wider than 1×1 or a stride
    /// (stride-1 pointwise layers, which the GEMM reads in place, were not measured here) and <see cref="DirectConvolution"/> does not take it. Measured against the
    /// previous paths with <c>Cnn.Compare profile --threads 2</c> (fused conv+epilogue forward, best of
    /// 2–3 alternating rounds, % of the measured 500 GFLOP/s FMA peak): the MNIST net's 32→64 at 14×14
    /// 25.3 → 22.4 µs at batch 1 (57 → 67 %), 5.85 → 5.25 ms at 256 (63 → 73 %; im2col before, Winograd
    /// does not take 32 channels); the CIFAR AlexNet-like net's 6×6 layers at batch 1 172–236 → 102–138 µs
    /// (50–57 → 83–92 %) and its 64→192 4×4 on 15×15 at batch 1 293 → 175 µs (52 → 87 %), at 256
    /// 58.5 → 47.6 ms (67 → 82 %); ResNet-18 at batch 1, 256→256 on 14×14 648 → 501 µs (68 → 94 %),
    /// 512→512 on 7×7 1030 → 566 µs (43 → 83 %); ResNet-18's stride-2 3×3 layers (im2col before, at
    /// every batch) 64→128, 128→256 and 256→512 at batch 1 411–610 → 288–311 µs (38–56 → 79–85 %) and
    /// at batch 32 10.6–12.8 → 9.6–10.2 ms (57–69 → 74–78 %). Winograd's F(2×2, 3×3) keeps its batches: its
    /// direct-equivalent rate beats this path on ResNet-18's 128×28×28 and 256×14×14 layers at batch 32
    /// (best 11.1–11.4 vs 15.0–15.7 ms) and on the AlexNet-like net's 6×6 layers at batch 256 (best per layer 23.8–33.7 vs
    /// 26.0–35.5 ms), and ties it on ResNet-18's 64×56×56 and 512×7×7 layers (batch 32 and, at 56×56
    /// and 28×28, batch 1). Measured again in the whole network (<c>Cnn.Compare profile --threads 2 --nets
    /// resnet18</c>, fastest of 5 rounds per layer, 2 runs), Winograd keeps the 512×7×7 layers at batch 32:
    /// 14.9–15.5 ms each against 15.7–16.3 ms here. A 1×1 strided layer (ResNet-18's shortcuts) takes this
    /// path only while its image is shared among the workers (<see cref="PointwiseSharedOnly"/>).
    /// </summary>
    public static bool Preferred(in Conv2dGeometry g) =>
        Applies(g) && g.OutChannels >= MinOutChannels && (g.KernelHeight * g.KernelWidth > 1 || g.StrideHeight * g.StrideWidth > 1)
        && g.InChannels * g.KernelHeight * g.KernelWidth >= MinDepth && !DirectConvolution.Applies(g);

    /// <summary>
    /// Whether the rule gives <paramref name="g"/> (which it must take) this path only for the calls with
    /// fewer images than workers, each image shared among them: a 1×1 strided layer. ResNet-18's 1×1
    /// stride-2 shortcuts fused with their batch norm in the inference network (<c>Cnn.Compare profile
    /// --threads 2 --nets resnet18</c>, fastest of 5 rounds per layer, 5 runs alternating), against
    /// im2col's strided unfold + GEMM: at batch 1 64→128 54–60 → 38–41 µs, 128→256 47–53 → 37–38 µs,
    /// 256→512 61–81 → 50–55 µs; at batch 32, a worker's share of the images each, 64→128
    /// 1.59–1.77 → 1.92–2.05 ms and the others even (2 runs), so the GEMM keeps those batches. A training step at
    /// batch 1 pays for packing the changed weights every call here (256→512: 91–101 → 158–234 µs forward).
    /// </summary>
    public static bool PointwiseSharedOnly(in Conv2dGeometry g) => g.KernelHeight * g.KernelWidth == 1;

    /// <summary>Blocks of output channels: the units that a batch-1 call may share out.</summary>
    public int Blocks => _blocks;

    /// <summary>Floats of the padded copy of one image (a buffer per worker); 0 for an unpadded convolution, which reads its input in place.</summary>
    public static int PaddedSize(in Conv2dGeometry g) => ChannelVectorConvolution.PaddedSize(g);

    /// <summary>Floats of the packed weights: per block, a row of its width (32, or 16 for a last block of at most sixteen channels) per reduction step.</summary>
    public static int PackedWeightsSize(in Conv2dGeometry g)
    {
        int depth = g.InChannels * g.KernelHeight * g.KernelWidth, last = g.OutChannels % BlockChannels;
        int width = g.OutChannels / BlockChannels * BlockChannels + (last == 0 ? 0 : last <= Lanes ? Lanes : BlockChannels);
        return checked(depth * width);
    }

    /// <summary>
    /// Block b (channels o0 = 32·b on) at packed + o0·depth: packed[o0·depth + k·width + j] = weight[o0 + j, k]
    /// for the block's channels, 0 for the lanes past them.
    /// </summary>
    public static void PackWeights(in Conv2dGeometry g, float* weight, float* packed)
    {
        int depth = g.InChannels * g.KernelHeight * g.KernelWidth;
        for (int o0 = 0; o0 < g.OutChannels; o0 += BlockChannels)
        {
            int channels = Math.Min(BlockChannels, g.OutChannels - o0), width = channels > Lanes ? BlockChannels : Lanes;
            float* block = packed + (long)o0 * depth;
            new Span<float>(block, depth * width).Clear();
            for (int j = 0; j < channels; j++)
                for (int k = 0; k < depth; k++)
                    block[k * width + j] = weight[(long)(o0 + j) * depth + k];
        }
    }

    /// <summary>
    /// The geometry whose forward pass is the input gradient of <paramref name="g"/>'s (stride 1,
    /// undilated, ungrouped, padded by less than the kernel): dY, K channels of OutHeight × OutWidth,
    /// padded by kernel − 1 − padding, into C channels of InHeight × InWidth, with the filters turned
    /// by 180° and input and output channels swapped (<see cref="PackInputGradientWeights"/>).
    /// </summary>
    public static Conv2dGeometry InputGradientGeometry(in Conv2dGeometry g) =>
        new(g.MaxBatch, g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, g.InHeight, g.InWidth, g.KernelHeight, g.KernelWidth,
            1, 1, g.KernelHeight - 1 - g.PaddingHeight, g.KernelWidth - 1 - g.PaddingWidth, 1, 1, 1, false);

    /// <summary>
    /// <see cref="PackWeights"/> of the <see cref="InputGradientGeometry"/>'s filters, straight from
    /// <paramref name="g"/>'s: w'[c][k][i][j] = w[k][c][kh − 1 − i][kw − 1 − j].
    /// </summary>
    public static void PackInputGradientWeights(in Conv2dGeometry g, float* weight, float* packed)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, taps = kh * kw, depth = g.OutChannels * taps;
        for (int o0 = 0; o0 < g.InChannels; o0 += BlockChannels)
        {
            int channels = Math.Min(BlockChannels, g.InChannels - o0), width = channels > Lanes ? BlockChannels : Lanes;
            float* block = packed + (long)o0 * depth;
            new Span<float>(block, depth * width).Clear();
            for (int k = 0; k < g.OutChannels; k++)
                for (int j = 0; j < channels; j++)
                {
                    float* filter = weight + ((long)k * g.InChannels + o0 + j) * taps;
                    for (int t = 0; t < taps; t++) block[((long)k * taps + t) * width + j] = filter[taps - 1 - t];
                }
        }
    }

    /// <summary>
    /// Worker <paramref name="worker"/>'s share of one image split among <paramref name="workers"/>:
    /// blocks of output channels when there are enough to go round evenly, else bands of output rows
    /// (pairs of rows where segments take two), all channels.
    /// </summary>
    public void Share(int worker, int workers, out int firstBlock, out int endBlock, out int firstRow, out int endRow)
    {
        if (_blocks % workers == 0 || _blocks >= 4 * workers)
        {
            (firstBlock, endBlock) = WorkerPool.Share(_blocks, worker, workers);
            (firstRow, endRow) = (0, _g.OutHeight);
            return;
        }
        int step = _twoRows ? 2 : 1;
        (int first, int end) = WorkerPool.Share((_g.OutHeight + step - 1) / step, worker, workers);
        (firstBlock, endBlock) = (0, _blocks);
        (firstRow, endRow) = (first * step, Math.Min(_g.OutHeight, end * step));
    }

    /// <summary>How many workers can share one image (<see cref="Share"/>'s units).</summary>
    public int ShareUnits(int workers) =>
        _blocks % workers == 0 || _blocks >= 4 * workers ? _blocks : (_g.OutHeight + (_twoRows ? 1 : 0)) / (_twoRows ? 2 : 1);

    /// <summary>
    /// Writes blocks [<paramref name="firstBlock"/>, <paramref name="endBlock"/>) of output rows
    /// [<paramref name="firstRow"/>, <paramref name="endRow"/>) of one image; <paramref name="bias"/>
    /// may be null. <paramref name="padded"/> (<see cref="PaddedSize"/> floats) holds the padded copy;
    /// its zero border is written only when <paramref name="clearPadded"/> (a worker's first image of
    /// a call), since later images overwrite only the inside.
    /// </summary>
    public void Forward(float* image, float* packedWeights, float* bias, float* output, float* padded, bool clearPadded,
        int firstBlock, int endBlock, int firstRow, int endRow)
    {
        float* source = image;
        if (PaddedSize(_g) > 0)
        {
            Pad(image, padded, clearPadded);
            source = padded;
        }
        float* biasLanes = stackalloc float[BlockChannels];
        float* tile = stackalloc float[2 * TileRows * Lanes];
        int* offsets = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_offsets));
        int plane = _g.OutHeight * _g.OutWidth, outWidth = _g.OutWidth;
        for (int block = firstBlock; block < endBlock; block++)
        {
            int o0 = block * BlockChannels, channels = Math.Min(BlockChannels, _g.OutChannels - o0);
            bool two = channels > Lanes;
            new Span<float>(biasLanes, BlockChannels).Clear();
            if (bias != null) new ReadOnlySpan<float>(bias + o0, channels).CopyTo(new Span<float>(biasLanes, BlockChannels));
            float* weights = packedWeights + (long)o0 * _depth, destination = output + (long)o0 * plane;
            for (int oy = firstRow; oy < endRow;)
            {
                float* row = source + (long)oy * _g.StrideHeight * _paddedWidth;
                if (_twoRows && oy + 1 < endRow)
                {
                    Segment(two, 2, outWidth, row, offsets, weights, biasLanes, tile);
                    StoreRow(tile, 0, outWidth, destination + (long)oy * outWidth, plane, channels);
                    StoreRow(tile, outWidth, outWidth, destination + (long)(oy + 1) * outWidth, plane, channels);
                    oy += 2;
                    continue;
                }
                int ox = 0;
                foreach (int width in _segmentWidths)
                {
                    Segment(two, 1, width, row + ox * _g.StrideWidth, offsets, weights, biasLanes, tile);
                    StoreRow(tile, 0, width, destination + (long)oy * outWidth + ox, plane, channels);
                    ox += width;
                }
                oy++;
            }
        }
    }

    /// <summary>
    /// Where one image's convolution reads from: <paramref name="padded"/> after copying the image
    /// into it (its zero border written only when <paramref name="clearPadded"/>), or the image itself
    /// for an unpadded convolution. The source for <see cref="ForwardChannelLast"/>.
    /// </summary>
    public float* Source(float* image, float* padded, bool clearPadded)
    {
        if (PaddedSize(_g) == 0) return image;
        Pad(image, padded, clearPadded);
        return padded;
    }

    /// <summary>
    /// Output rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) of block
    /// <paramref name="block"/>, without bias, channel-last:
    /// rows[((oy − firstRow)·OutWidth + ox)·<see cref="BlockChannels"/> + j] = output channel
    /// 32·block + j at (oy, ox); a last block of at most sixteen channels writes only lanes 0–15.
    /// <paramref name="source"/> is <see cref="Source"/>'s; <paramref name="zeroBias"/> holds
    /// <see cref="BlockChannels"/> zeros and <paramref name="tile"/> <see cref="TileFloats"/> floats.
    /// What a fused step that pools the rows before storing them in channel rows wants.
    /// </summary>
    public void ForwardChannelLast(float* source, float* packedWeights, int block, int firstRow, int endRow, float* zeroBias, float* tile, float* rows)
    {
        int* offsets = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_offsets));
        int o0 = block * BlockChannels, outWidth = _g.OutWidth;
        bool two = _g.OutChannels - o0 > Lanes;
        float* weights = packedWeights + (long)o0 * _depth;
        for (int oy = firstRow; oy < endRow;)
        {
            float* row = source + (long)oy * _g.StrideHeight * _paddedWidth;
            float* destination = rows + (long)(oy - firstRow) * outWidth * BlockChannels;
            if (_twoRows && oy + 1 < endRow)
            {
                Segment(two, 2, outWidth, row, offsets, weights, zeroBias, tile);
                CopyChannelLast(tile, 2 * outWidth, two, destination);
                oy += 2;
                continue;
            }
            int ox = 0;
            foreach (int width in _segmentWidths)
            {
                Segment(two, 1, width, row + ox * _g.StrideWidth, offsets, weights, zeroBias, tile);
                CopyChannelLast(tile, width, two, destination + ox * BlockChannels);
                ox += width;
            }
            oy++;
        }
    }

    /// <summary>
    /// One row of <paramref name="cols"/> (at most <see cref="MaxPixels"/>) "pixels" read at
    /// origin + offsets[k] + i for reduction step k, times <paramref name="depth"/> steps of one or
    /// two weight vectors (<paramref name="two"/>), plus <paramref name="bias"/>, into the halves of
    /// <paramref name="tile"/> (<see cref="TileFloats"/>; lanes 16–31 start <see cref="TileHalf"/> floats on):
    /// the register-blocked product for callers whose "pixels" are not an image's (Winograd's tiles).
    /// </summary>
    public static void AccumulateRow(bool two, int cols, float* origin, int* offsets, float* weights, int depth, float* bias, float* tile)
    {
        if (two) Columns<W1, W2, W1>(cols, origin, 0, offsets, weights, depth, bias, tile);
        else Columns<W1, W1, W1>(cols, origin, 0, offsets, weights, depth, bias, tile);
    }

    /// <summary>Where the second half (lanes 16–31) of the segment tile starts, in floats.</summary>
    public const int TileHalf = TileRows * Lanes;

    /// <summary>Floats of the segment tile that <see cref="ForwardChannelLast"/> works in.</summary>
    public const int TileFloats = 2 * TileRows * Lanes;

    // Pixels [0, count) of the segment tile's halves into [pixel][32] rows.
    private static void CopyChannelLast(float* tile, int count, bool two, float* destination)
    {
        for (int p = 0; p < count; p++)
        {
            Vector512.Load(tile + p * Lanes).Store(destination + p * BlockChannels);
            if (two) Vector512.Load(tile + (TileRows + p) * Lanes).Store(destination + p * BlockChannels + Lanes);
        }
    }

    private void Pad(float* image, float* padded, bool clear)
    {
        if (clear) new Span<float>(padded, PaddedSize(_g)).Clear();
        for (int c = 0; c < _g.InChannels; c++)
            for (int iy = 0; iy < _g.InHeight; iy++)
                new ReadOnlySpan<float>(image + ((long)c * _g.InHeight + iy) * _g.InWidth, _g.InWidth)
                    .CopyTo(new Span<float>(padded + ((long)c * _paddedHeight + iy + _g.PaddingHeight) * _paddedWidth + _g.PaddingWidth, _g.InWidth));
    }

    /// <summary>Pixels [first, first + width) of the segment tile, both halves, into channel rows at destination.</summary>
    private static void StoreRow(float* tile, int first, int width, float* destination, int plane, int channels)
    {
        ChannelVectorConvolution.Store(tile + first * Lanes, width, destination, plane, Math.Min(Lanes, channels));
        if (channels > Lanes) ChannelVectorConvolution.Store(tile + (TileRows + first) * Lanes, width, destination + (long)Lanes * plane, plane, channels - Lanes);
    }

    /// <summary>One segment: the JIT compiles one kernel per shape (vectors, rows, pixels per row, stride), with only its accumulators.</summary>
    private void Segment(bool two, int rows, int cols, float* origin, int* offsets, float* weights, float* bias, float* tile)
    {
        if (_g.StrideWidth == 2) Segment<W2>(two, rows, cols, origin, offsets, weights, bias, tile);
        else Segment<W1>(two, rows, cols, origin, offsets, weights, bias, tile);
    }

    private void Segment<TStride>(bool two, int rows, int cols, float* origin, int* offsets, float* weights, float* bias, float* tile)
        where TStride : struct, IWidth
    {
        nint stride = (nint)_g.StrideHeight * _paddedWidth;
        if (two)
        {
            if (rows == 2) Columns<W2, W2, TStride>(cols, origin, stride, offsets, weights, _depth, bias, tile);
            else Columns<W1, W2, TStride>(cols, origin, stride, offsets, weights, _depth, bias, tile);
        }
        else if (rows == 2) Columns<W2, W1, TStride>(cols, origin, stride, offsets, weights, _depth, bias, tile);
        else Columns<W1, W1, TStride>(cols, origin, stride, offsets, weights, _depth, bias, tile);
    }

    private static void Columns<TRows, TVectors, TStride>(int cols, float* origin, nint rowStride, int* offsets, float* weights, int depth, float* bias, float* tile)
        where TRows : struct, IWidth where TVectors : struct, IWidth where TStride : struct, IWidth
    {
        switch (cols)
        {
            case 14: Accumulate<W14, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;
            case 13: Accumulate<W13, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;
            case 12: Accumulate<W12, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;
            case 11: Accumulate<W11, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;
            case 10: Accumulate<W10, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;
            case 9: Accumulate<W9, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;
            case 8: Accumulate<W8, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;
            case 7: Accumulate<W7, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;
            case 6: Accumulate<W6, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;
            case 5: Accumulate<W5, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;
            case 4: Accumulate<W4, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;
            case 3: Accumulate<W3, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;
            case 2: Accumulate<W2, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;
            default: Accumulate<W1, TRows, TVectors, TStride>(origin, rowStride, offsets, weights, depth, bias, tile); break;

        }
    }

    /// <summary>Where pixel i of a segment reads: column i of the first row, or i − cols of the second (stride apart in the input). A pointer, so that the JIT broadcasts straight from memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Pixel(float* x, float* y, int i, int cols, int stride) => i < cols ? x + i * stride : y + (i - cols) * stride;

    /// <summary>
    /// TRows rows of TCols pixels (at origin and origin + rowStride), TVectors·16 channels, into rows
    /// p of the tile's halves: no calls inside, so that the JIT keeps every accumulator in a register.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate<TCols, TRows, TVectors, TStride>(float* origin, nint rowStride, int* offsets, float* weights, int depth, float* bias, float* tile)
        where TCols : struct, IWidth where TRows : struct, IWidth where TVectors : struct, IWidth where TStride : struct, IWidth
    {
        int cols = TCols.Value, pixels = TCols.Value * TRows.Value, stride = TStride.Value;
        bool two = TVectors.Value == 2;
        Vector512<float> b0 = Vector512.Load(bias), b1 = two ? Vector512.Load(bias + Lanes) : default;
        Vector512<float> a0 = b0, c0 = b1; Vector512<float> a1 = b0, c1 = b1; Vector512<float> a2 = b0, c2 = b1; Vector512<float> a3 = b0, c3 = b1;
        Vector512<float> a4 = b0, c4 = b1; Vector512<float> a5 = b0, c5 = b1; Vector512<float> a6 = b0, c6 = b1; Vector512<float> a7 = b0, c7 = b1;
        Vector512<float> a8 = b0, c8 = b1; Vector512<float> a9 = b0, c9 = b1; Vector512<float> a10 = b0, c10 = b1; Vector512<float> a11 = b0, c11 = b1;
        Vector512<float> a12 = b0, c12 = b1; Vector512<float> a13 = b0, c13 = b1;
        int step = TVectors.Value * Lanes;
        for (int k = 0; k < depth; k++, weights += step)
        {
            float* x = origin + offsets[k], y = x + rowStride;
            Vector512<float> w0 = Vector512.Load(weights), w1 = two ? Vector512.Load(weights + Lanes) : default;
            if (pixels > 0) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 0, cols, stride))); a0 = Vector512.FusedMultiplyAdd(v, w0, a0); if (two) c0 = Vector512.FusedMultiplyAdd(v, w1, c0); }
            if (pixels > 1) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 1, cols, stride))); a1 = Vector512.FusedMultiplyAdd(v, w0, a1); if (two) c1 = Vector512.FusedMultiplyAdd(v, w1, c1); }
            if (pixels > 2) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 2, cols, stride))); a2 = Vector512.FusedMultiplyAdd(v, w0, a2); if (two) c2 = Vector512.FusedMultiplyAdd(v, w1, c2); }
            if (pixels > 3) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 3, cols, stride))); a3 = Vector512.FusedMultiplyAdd(v, w0, a3); if (two) c3 = Vector512.FusedMultiplyAdd(v, w1, c3); }
            if (pixels > 4) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 4, cols, stride))); a4 = Vector512.FusedMultiplyAdd(v, w0, a4); if (two) c4 = Vector512.FusedMultiplyAdd(v, w1, c4); }
            if (pixels > 5) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 5, cols, stride))); a5 = Vector512.FusedMultiplyAdd(v, w0, a5); if (two) c5 = Vector512.FusedMultiplyAdd(v, w1, c5); }
            if (pixels > 6) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 6, cols, stride))); a6 = Vector512.FusedMultiplyAdd(v, w0, a6); if (two) c6 = Vector512.FusedMultiplyAdd(v, w1, c6); }
            if (pixels > 7) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 7, cols, stride))); a7 = Vector512.FusedMultiplyAdd(v, w0, a7); if (two) c7 = Vector512.FusedMultiplyAdd(v, w1, c7); }
            if (pixels > 8) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 8, cols, stride))); a8 = Vector512.FusedMultiplyAdd(v, w0, a8); if (two) c8 = Vector512.FusedMultiplyAdd(v, w1, c8); }
            if (pixels > 9) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 9, cols, stride))); a9 = Vector512.FusedMultiplyAdd(v, w0, a9); if (two) c9 = Vector512.FusedMultiplyAdd(v, w1, c9); }
            if (pixels > 10) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 10, cols, stride))); a10 = Vector512.FusedMultiplyAdd(v, w0, a10); if (two) c10 = Vector512.FusedMultiplyAdd(v, w1, c10); }
            if (pixels > 11) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 11, cols, stride))); a11 = Vector512.FusedMultiplyAdd(v, w0, a11); if (two) c11 = Vector512.FusedMultiplyAdd(v, w1, c11); }
            if (pixels > 12) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 12, cols, stride))); a12 = Vector512.FusedMultiplyAdd(v, w0, a12); if (two) c12 = Vector512.FusedMultiplyAdd(v, w1, c12); }
            if (pixels > 13) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*Pixel(x, y, 13, cols, stride))); a13 = Vector512.FusedMultiplyAdd(v, w0, a13); if (two) c13 = Vector512.FusedMultiplyAdd(v, w1, c13); }
        }
        if (pixels > 0) { a0.Store(tile + 0 * Lanes); if (two) c0.Store(tile + (TileRows + 0) * Lanes); }
        if (pixels > 1) { a1.Store(tile + 1 * Lanes); if (two) c1.Store(tile + (TileRows + 1) * Lanes); }
        if (pixels > 2) { a2.Store(tile + 2 * Lanes); if (two) c2.Store(tile + (TileRows + 2) * Lanes); }
        if (pixels > 3) { a3.Store(tile + 3 * Lanes); if (two) c3.Store(tile + (TileRows + 3) * Lanes); }
        if (pixels > 4) { a4.Store(tile + 4 * Lanes); if (two) c4.Store(tile + (TileRows + 4) * Lanes); }
        if (pixels > 5) { a5.Store(tile + 5 * Lanes); if (two) c5.Store(tile + (TileRows + 5) * Lanes); }
        if (pixels > 6) { a6.Store(tile + 6 * Lanes); if (two) c6.Store(tile + (TileRows + 6) * Lanes); }
        if (pixels > 7) { a7.Store(tile + 7 * Lanes); if (two) c7.Store(tile + (TileRows + 7) * Lanes); }
        if (pixels > 8) { a8.Store(tile + 8 * Lanes); if (two) c8.Store(tile + (TileRows + 8) * Lanes); }
        if (pixels > 9) { a9.Store(tile + 9 * Lanes); if (two) c9.Store(tile + (TileRows + 9) * Lanes); }
        if (pixels > 10) { a10.Store(tile + 10 * Lanes); if (two) c10.Store(tile + (TileRows + 10) * Lanes); }
        if (pixels > 11) { a11.Store(tile + 11 * Lanes); if (two) c11.Store(tile + (TileRows + 11) * Lanes); }
        if (pixels > 12) { a12.Store(tile + 12 * Lanes); if (two) c12.Store(tile + (TileRows + 12) * Lanes); }
        if (pixels > 13) { a13.Store(tile + 13 * Lanes); if (two) c13.Store(tile + (TileRows + 13) * Lanes); }
    }

}
