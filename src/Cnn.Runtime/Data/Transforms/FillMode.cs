namespace Cnn.Data.Transforms;

/// <summary>
/// What a geometric transform puts where the source position falls outside the image, as Keras's
/// <c>fill_mode</c>.
/// </summary>
public enum FillMode
{
    /// <summary>A constant value (<c>cval</c> in Keras, <c>fill</c> in torchvision, 0 by default there): <c>kkkk|abcd|kkkk</c>.</summary>
    Constant,

    /// <summary>The nearest edge pixel, repeated: <c>aaaa|abcd|dddd</c> (Keras's default for ImageDataGenerator).</summary>
    Nearest,

    /// <summary>The image mirrored about its edge, the edge pixel included: <c>dcba|abcd|dcba</c>.</summary>
    Reflect,
}
