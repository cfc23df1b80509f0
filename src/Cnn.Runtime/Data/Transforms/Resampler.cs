namespace Cnn.Data.Transforms;

/// <summary>
/// Separable bilinear resampling with optional antialiasing, the algorithm of PIL's
/// <c>Image.resize(BILINEAR)</c> and of torchvision's tensor <c>resize(antialias=True)</c>
/// (ATen's <c>_upsample_bilinear2d_aa</c>): output pixel <c>i</c> is centred at input coordinate
/// <c>(i + 0.5) · in/out</c>, and when shrinking, the triangle filter is widened by the shrink factor
/// so that every input pixel contributes (an area-like average without aliasing). When enlarging, or
/// without antialiasing, it is ordinary bilinear interpolation with <c>align_corners=False</c> and
/// edge clamping. Weights are computed in double precision and normalised to sum to 1.
/// </summary>
internal static class Resampler
{
    /// <summary>The taps of each output position along one axis.</summary>
    internal readonly struct Taps(int[] start, int[] count, float[] weights, int stride)
    {
        public readonly int[] Start = start;
        public readonly int[] Count = count;
        public readonly float[] Weights = weights;
        public readonly int Stride = stride;
    }

    internal static Taps Coefficients(int inSize, int outSize, bool antialias)
    {
        double scale = (double)inSize / outSize;
        double filterScale = antialias ? Math.Max(scale, 1.0) : 1.0;
        double support = 1.0 * filterScale; // the triangle filter's support is 1
        int stride = (int)Math.Ceiling(support) * 2 + 1;
        var start = new int[outSize];
        var count = new int[outSize];
        var weights = new float[outSize * stride];
        Span<double> w = stackalloc double[stride];
        for (int i = 0; i < outSize; i++)
        {
            double center = (i + 0.5) * scale;
            // (int) truncates toward zero, as the C code it follows.
            int min = Math.Max((int)(center - support + 0.5), 0);
            int max = Math.Min((int)(center + support + 0.5), inSize);
            int n = max - min;
            double sum = 0;
            for (int k = 0; k < n; k++)
            {
                double x = Math.Abs((k + min - center + 0.5) / filterScale);
                w[k] = x < 1 ? 1 - x : 0;
                sum += w[k];
            }
            for (int k = 0; k < n; k++)
                weights[i * stride + k] = (float)(sum != 0 ? w[k] / sum : 0);
            start[i] = min;
            count[i] = n;
        }
        return new Taps(start, count, weights, stride);
    }

    /// <summary>Resizes every channel of <paramref name="source"/> to <paramref name="height"/>×<paramref name="width"/>.</summary>
    internal static ImageTensor Resize(ImageTensor source, int height, int width, bool antialias)
    {
        if (source.Height == height && source.Width == width)
            return source;
        int channels = source.Channels;
        ImageTensor horizontal = source;
        if (source.Width != width)
        {
            horizontal = new ImageTensor(channels, source.Height, width);
            Taps taps = Coefficients(source.Width, width, antialias);
            float[] src = source.Data, dst = horizontal.Data;
            int rows = channels * source.Height;
            for (int r = 0; r < rows; r++)
            {
                int srcRow = r * source.Width, dstRow = r * width;
                for (int x = 0; x < width; x++)
                {
                    int s = srcRow + taps.Start[x], w = x * taps.Stride;
                    float sum = 0;
                    for (int k = 0; k < taps.Count[x]; k++)
                        sum += src[s + k] * taps.Weights[w + k];
                    dst[dstRow + x] = sum;
                }
            }
        }
        if (source.Height == height)
            return horizontal;

        var result = new ImageTensor(channels, height, width);
        Taps vertical = Coefficients(source.Height, height, antialias);
        float[] from = horizontal.Data, to = result.Data;
        for (int c = 0; c < channels; c++)
        {
            int srcPlane = c * source.Height * width, dstPlane = c * height * width;
            for (int y = 0; y < height; y++)
            {
                Span<float> row = to.AsSpan(dstPlane + y * width, width);
                int w = y * vertical.Stride;
                for (int k = 0; k < vertical.Count[y]; k++)
                {
                    float weight = vertical.Weights[w + k];
                    ReadOnlySpan<float> input = from.AsSpan(srcPlane + (vertical.Start[y] + k) * width, width);
                    for (int x = 0; x < width; x++)
                        row[x] += input[x] * weight;
                }
            }
        }
        return result;
    }

    /// <summary>
    /// The <paramref name="height"/>×<paramref name="width"/> window of <paramref name="source"/>
    /// whose top-left pixel is (<paramref name="top"/>, <paramref name="left"/>); positions outside the
    /// image are <paramref name="fill"/>, as torchvision's <c>crop</c> pads.
    /// </summary>
    internal static ImageTensor Crop(ImageTensor source, int top, int left, int height, int width, float fill = 0)
    {
        if (top == 0 && left == 0 && height == source.Height && width == source.Width)
            return source;
        var result = new ImageTensor(source.Channels, height, width);
        if (fill != 0)
            result.Data.AsSpan().Fill(fill);
        int x0 = Math.Max(0, -left), x1 = Math.Min(width, source.Width - left);
        int y0 = Math.Max(0, -top), y1 = Math.Min(height, source.Height - top);
        if (x0 >= x1 || y0 >= y1)
            return result;
        for (int c = 0; c < source.Channels; c++)
        {
            for (int y = y0; y < y1; y++)
            {
                source.Data.AsSpan((c * source.Height + top + y) * source.Width + left + x0, x1 - x0)
                    .CopyTo(result.Data.AsSpan((c * height + y) * width + x0));
            }
        }
        return result;
    }
}
