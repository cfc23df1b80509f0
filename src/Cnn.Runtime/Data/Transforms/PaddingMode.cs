namespace Cnn.Data.Transforms;

/// <summary>
/// How <see cref="RandomCrop"/> fills its padding, as torchvision's <c>padding_mode</c> (shown for a
/// row <c>abcd</c> padded by 2 on each side).
/// </summary>
public enum PaddingMode
{
    /// <summary>A constant value (<c>fill</c>, 0 by default): <c>kk|abcd|kk</c>.</summary>
    Constant,

    /// <summary>The edge pixel, repeated: <c>aa|abcd|dd</c>.</summary>
    Edge,

    /// <summary>The image mirrored about its edge pixel, which is not repeated: <c>cb|abcd|cb</c>.</summary>
    Reflect,

    /// <summary>The image mirrored about its edge, the edge pixel repeated: <c>ba|abcd|dc</c>.</summary>
    Symmetric,
}
