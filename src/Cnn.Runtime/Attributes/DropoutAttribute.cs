namespace Cnn;

/// <summary>Inverted dropout, like PyTorch's <c>nn.Dropout</c>: active in training mode only.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>An unnamed dropout layer that zeroes each element with <paramref name="probability"/> in [0, 1).</summary>
    public DropoutAttribute(double probability) : base(null) => Probability = probability;
    /// <summary>A dropout layer named <paramref name="name"/> that zeroes each element with <paramref name="probability"/> in [0, 1).</summary>
    public DropoutAttribute(string name, double probability) : base(name) => Probability = probability;

    /// <summary>The chance that an element is zeroed in training; kept elements are scaled by 1 / (1 − p) so that evaluation needs no rescaling.</summary>
    public double Probability { get; }
}
