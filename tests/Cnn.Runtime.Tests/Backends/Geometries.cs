using Cnn.Backends;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>Builds layer geometry with the output size worked out, as the shape inference will.</summary>
internal static class Geometries
{
    public static Conv2dGeometry Conv(int batch, int inChannels, int height, int width, int outChannels, int kernel,
        int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true) =>
        Conv(batch, inChannels, height, width, outChannels, kernel, kernel, stride, stride, padding, padding, dilation, dilation, groups, bias);

    public static Conv2dGeometry Conv(int batch, int inChannels, int height, int width, int outChannels, int kernelHeight, int kernelWidth,
        int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, int dilationHeight, int dilationWidth, int groups, bool bias)
    {
        int outH = (height + 2 * paddingHeight - dilationHeight * (kernelHeight - 1) - 1) / strideHeight + 1;
        int outW = (width + 2 * paddingWidth - dilationWidth * (kernelWidth - 1) - 1) / strideWidth + 1;
        return new Conv2dGeometry(batch, inChannels, height, width, outChannels, outH, outW, kernelHeight, kernelWidth,
            strideHeight, strideWidth, paddingHeight, paddingWidth, dilationHeight, dilationWidth, groups, bias);
    }

    public static Pool2dGeometry Pool(PoolKind kind, int batch, int channels, int height, int width, int kernel, int stride, int padding = 0,
        bool ceil = false, bool countIncludePad = true) =>
        Pool(kind, batch, channels, height, width, (kernel, kernel), (stride, stride), (padding, padding), ceil, countIncludePad);

    /// <summary>A pool with (height, width) pairs, as PyTorch's kernel_size=(kh, kw).</summary>
    public static Pool2dGeometry Pool(PoolKind kind, int batch, int channels, int height, int width,
        (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, bool ceil = false, bool countIncludePad = true)
    {
        int outH = Extent(height, kernel.H, stride.H, padding.H, ceil), outW = Extent(width, kernel.W, stride.W, padding.W, ceil);
        return new Pool2dGeometry(kind, batch, channels, height, width, outH, outW, kernel.H, kernel.W, stride.H, stride.W, padding.H, padding.W, countIncludePad);
    }

    private static int Extent(int input, int kernel, int stride, int padding, bool ceil)
    {
        int span = input + 2 * padding - kernel;
        int output = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
        if (ceil && (output - 1) * stride >= input + padding) output--;
        return output;
    }
}
