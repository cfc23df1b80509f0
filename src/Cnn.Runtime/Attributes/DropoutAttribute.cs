namespace Cnn;

/// <summary>Inverted dropout, like PyTorch's <c>nn.Dropout</c>: active in training mode only.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : LayerAttribute
{
    public DropoutAttribute(double probability) : base(null) => Probability = probability;
    public DropoutAttribute(string name, double probability) : base(name) => Probability = probability;

    public double Probability { get; }
}
