namespace Cnn.Data.Transforms;

/// <summary>Applies transforms in order, threading one generator through them, as torchvision's <c>Compose</c>.</summary>
/// <example>
/// <code>
/// var train = new Compose(
///     new RandomResizedCrop(224, 224),
///     new RandomHorizontalFlip(),
///     new Normalize(new Normalization([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f])));
/// </code>
/// </example>
public sealed class Compose : IImageTransform
{
    private readonly IImageTransform[] _transforms;

    /// <summary>Creates a pipeline of <paramref name="transforms"/>, applied first to last.</summary>
    public Compose(params IImageTransform[] transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        for (int i = 0; i < transforms.Length; i++)
        {
            if (transforms[i] is null)
                throw new ArgumentNullException(nameof(transforms), $"Transform {i} is null.");
        }
        _transforms = [.. transforms];
        Transforms = Array.AsReadOnly(_transforms);
    }

    /// <summary>The steps, first to last.</summary>
    public IReadOnlyList<IImageTransform> Transforms { get; }

    /// <inheritdoc/>
    public ImageTensor Apply(ImageTensor image, ref SeededRandom random)
    {
        foreach (IImageTransform transform in _transforms)
            image = transform.Apply(image, ref random);
        return image;
    }
}
