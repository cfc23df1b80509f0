namespace Cnn.Generators.Shapes
{
    /// <summary>The shape of one sample: (channels, height, width), or (features) when <see cref="IsFlat"/>.</summary>
    internal sealed record Shape(int Channels, int Height, int Width, bool IsFlat)
    {
        public static Shape Image(int channels, int height, int width) => new Shape(channels, height, width, false);

        public static Shape Flat(int features) => new Shape(features, 0, 0, true);

        public long Size => IsFlat ? Channels : (long)Channels * Height * Width;

        /// <summary>As the summary and messages show it, with N for the batch.</summary>
        public override string ToString() => IsFlat ? $"(N, {Channels})" : $"(N, {Channels}, {Height}, {Width})";
    }
}
