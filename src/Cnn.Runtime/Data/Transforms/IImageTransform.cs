namespace Cnn.Data.Transforms;

/// <summary>
/// A preprocessing or augmentation step on one image, as a torchvision transform. Random transforms
/// draw every choice from the <see cref="SeededRandom"/> they are given, so the same generator state
/// gives the same output on every run and thread; deterministic transforms ignore it.
/// </summary>
/// <remarks>
/// Implementations are immutable and thread-safe: one instance serves all loader workers. A
/// transform may modify and return its input instead of allocating, so an image passed in belongs
/// to the transform.
/// </remarks>
public interface IImageTransform
{
    /// <summary>Transforms <paramref name="image"/>, drawing any random choices from <paramref name="random"/>.</summary>
    ImageTensor Apply(ImageTensor image, ref SeededRandom random);
}
