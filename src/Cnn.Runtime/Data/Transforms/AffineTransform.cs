namespace Cnn.Data.Transforms;

/// <summary>
/// One affine warp about the image centre with nearest-neighbour sampling: rotate, shear, scale and
/// shift in a single resampling, so that combined augmentations blur no more than one of them.
/// <see cref="RandomAffine"/> and <see cref="RandomRotation"/> draw its parameters.
/// </summary>
/// <remarks>
/// In pixel coordinates (x right, y down, pixel centres at integers, centre
/// <c>c = ((W − 1) / 2, (H − 1) / 2)</c>) the forward map takes a source point <c>p</c> to
/// <c>c + t + R(angle) · Shear(shear) · scale · (p − c)</c>, where <c>R</c> turns counter-clockwise as
/// seen on screen for a positive angle and <c>Shear = [[1, tan shear], [0, 1]]</c> moves lower rows
/// right for a positive shear. Each output pixel takes the value of the source pixel nearest to the
/// inverse image of its centre (ties to even, as <c>grid_sample(mode="nearest")</c>), or the fill
/// when that lies outside. This is torchvision's <c>affine</c> geometry (same centre convention) for
/// rotation, scale and translation; its shear matrix differs.
/// </remarks>
/// <param name="Angle">Rotation in degrees, counter-clockwise.</param>
/// <param name="TranslateX">Shift to the right, in pixels.</param>
/// <param name="TranslateY">Shift down, in pixels.</param>
/// <param name="Scale">Zoom factor: above 1 enlarges the content.</param>
/// <param name="Shear">Shear angle in degrees along x.</param>
public sealed record AffineTransform(double Angle = 0, double TranslateX = 0, double TranslateY = 0, double Scale = 1, double Shear = 0)
{
    /// <summary>Warps <paramref name="image"/> into a new image of the same size.</summary>
    /// <exception cref="ArgumentException">The scale is not positive or the shear is not in (−90°, 90°).</exception>
    public ImageTensor Apply(ImageTensor image, FillMode fillMode = FillMode.Nearest, float fillValue = 0)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!(Scale > 0) || double.IsInfinity(Scale))
            throw new ArgumentException($"The scale must be positive and finite; got {Scale}.", nameof(Scale));
        if (!(Math.Abs(Shear) < 90))
            throw new ArgumentException($"The shear must be in (-90, 90) degrees; got {Shear}.", nameof(Shear));

        int width = image.Width, height = image.Height, plane = image.PlaneSize;
        double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
        double radians = Angle * (Math.PI / 180);
        double cos = Math.Cos(radians), sin = Math.Sin(radians);
        double tan = Math.Tan(Shear * (Math.PI / 180));
        // Inverse of R · Shear · scale: (1/scale) · Shear⁻¹ · R⁻¹, with R⁻¹ = [[cos, −sin], [sin, cos]].
        double a = (cos - tan * sin) / Scale, b = (-sin - tan * cos) / Scale;
        double c = sin / Scale, d = cos / Scale;

        var result = new ImageTensor(image.Channels, height, width);
        float[] source = image.Data, output = result.Data;
        for (int y = 0; y < height; y++)
        {
            double v = y - cy - TranslateY;
            for (int x = 0; x < width; x++)
            {
                double u = x - cx - TranslateX;
                int sx = Index((int)Math.Round(cx + a * u + b * v, MidpointRounding.ToEven), width, fillMode);
                int sy = Index((int)Math.Round(cy + c * u + d * v, MidpointRounding.ToEven), height, fillMode);
                int o = y * width + x;
                if (sx < 0 || sy < 0)
                {
                    for (int ch = 0; ch < image.Channels; ch++)
                        output[ch * plane + o] = fillValue;
                }
                else
                {
                    int s = sy * width + sx;
                    for (int ch = 0; ch < image.Channels; ch++)
                        output[ch * plane + o] = source[ch * plane + s];
                }
            }
        }
        return result;
    }

    /// <summary>The source index for position <paramref name="i"/> on an axis of <paramref name="n"/>, or −1 for the constant fill.</summary>
    private static int Index(int i, int n, FillMode mode)
    {
        if ((uint)i < (uint)n)
            return i;
        switch (mode)
        {
            case FillMode.Nearest:
                return i < 0 ? 0 : n - 1;
            case FillMode.Reflect:
                int period = 2 * n;
                int m = ((i % period) + period) % period;
                return m < n ? m : period - 1 - m;
            default:
                return -1;
        }
    }
}
