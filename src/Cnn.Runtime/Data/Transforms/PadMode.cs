namespace Cnn.Data.Transforms;

/// <summary>
/// How <see cref="RandomCrop"/> fills its padding, as torchvision's <c>padding_mode</c> (shown for a
/// row <c>abcd</c> padded by 2 on each side).
/// </summary>
/// <remarks>
/// Not <see cref="Cnn.PaddingMode"/>, the convolution's padding. The geometric transforms' <see cref="FillMode"/>
/// follows Keras's names instead: <see cref="FillMode.Reflect"/> repeats the edge pixel, which is torchvision's
/// <c>symmetric</c> (<see cref="Symmetric"/> here), while <see cref="Reflect"/> here is torchvision's
/// <c>reflect</c>, which does not.
/// </remarks>
public enum PadMode
{
    /// <summary>A constant value (<c>fill</c>, 0 by default): <c>kk|abcd|kk</c>.</summary>
    Constant,

    /// <summary>The edge pixel, repeated: <c>aa|abcd|dd</c>.</summary>
    Edge,

    /// <summary>The image mirrored about its edge pixel, which is not repeated (torchvision's <c>reflect</c>): <c>cb|abcd|cb</c>.</summary>
    Reflect,

    /// <summary>The image mirrored about its edge, the edge pixel repeated (torchvision's <c>symmetric</c>, <see cref="FillMode.Reflect"/>): <c>ba|abcd|dc</c>.</summary>
    Symmetric,
}
