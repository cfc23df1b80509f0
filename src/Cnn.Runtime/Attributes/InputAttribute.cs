namespace Cnn;

/// <summary>The shape of one input sample, without the batch dimension, like Keras's <c>Input(shape=...)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>An image input of <paramref name="channels"/> × <paramref name="height"/> × <paramref name="width"/>.</summary>
    public InputAttribute(int channels, int height, int width)
    {
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>A flat input of <paramref name="features"/> values.</summary>
    public InputAttribute(int features)
    {
        Channels = features;
    }

    /// <summary>The image's channels, or the number of features of a flat input.</summary>
    public int Channels { get; }
    /// <summary>The image's height in pixels; 0 for a flat input.</summary>
    public int Height { get; }
    /// <summary>The image's width in pixels; 0 for a flat input.</summary>
    public int Width { get; }
}
