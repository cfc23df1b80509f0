namespace Cnn;

/// <summary>A fully connected layer, like PyTorch's <c>nn.Linear</c> or Keras's <c>Dense</c>: weight [out, in] and bias [out].</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LinearAttribute : LayerAttribute
{
    /// <summary>A layer named <paramref name="name"/> (parameters <c>name.weight</c>, <c>name.bias</c>) producing <paramref name="outFeatures"/> features; the input features are inferred.</summary>
    public LinearAttribute(string name, int outFeatures) : base(name) => OutFeatures = outFeatures;

    /// <summary>Inside a <see cref="BlockAttribute">block</see>: <paramref name="outFeatures"/> is an expression over the block's parameters.</summary>
    public LinearAttribute(string name, string outFeatures) : base(name) => OutFeatures = outFeatures;

    /// <summary>The output features: an <see cref="int"/>, or a block's size expression.</summary>
    public object OutFeatures { get; }

    /// <summary>Whether the layer adds a bias per output feature.</summary>
    public bool Bias { get; set; } = true;

    /// <summary>Optional: the input features you expect. The build fails if the previous layer produces a different number.</summary>
    public int InFeatures { get; set; }

    /// <summary><see cref="InFeatures"/> as an expression over a block's parameters.</summary>
    public string? InFeaturesExpression { get; set; }
}
