namespace Cnn;

/// <summary>The shape of one sample: (channels, height, width) for images, or (features) for flat tensors.</summary>
public readonly record struct TensorShape(int Channels, int Height, int Width)
{
    /// <summary>A flat shape of <paramref name="features"/> elements.</summary>
    public static TensorShape Flat(int features) => new(features, 0, 0);

    /// <summary>True for a flat (features) shape, whose height and width are 0.</summary>
    public bool IsFlat => Height == 0 && Width == 0;

    /// <summary>Elements per sample.</summary>
    /// <exception cref="OverflowException">The shape holds more than <see cref="int.MaxValue"/> elements (a shape read from a file can).</exception>
    public int Size => IsFlat ? Channels : checked(Channels * Height * Width);

    /// <summary>PyTorch-style, without the batch: <c>(1, 28, 28)</c> or <c>(10)</c>.</summary>
    public override string ToString() => IsFlat ? $"({Channels})" : $"({Channels}, {Height}, {Width})";
}
