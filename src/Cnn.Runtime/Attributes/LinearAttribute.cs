namespace Cnn;

/// <summary>A fully connected layer, like PyTorch's <c>nn.Linear</c> or Keras's <c>Dense</c>: weight [out, in] and bias [out].</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LinearAttribute : LayerAttribute
{
    public LinearAttribute(string name, object outFeatures) : base(name) => OutFeatures = outFeatures;

    public object OutFeatures { get; }
    public bool Bias { get; set; } = true;

    /// <summary>Optional: the input features you expect. The build fails if the previous layer produces a different number.</summary>
    public object InFeatures { get; set; } = 0;
}
