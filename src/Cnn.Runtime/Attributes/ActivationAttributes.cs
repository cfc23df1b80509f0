namespace Cnn;

/// <summary>max(0, x).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReLUAttribute : LayerAttribute
{
    /// <summary>An unnamed ReLU layer; the generator names it by position, e.g. <c>relu2</c>.</summary>
    public ReLUAttribute() : base(null) { }
    /// <summary>A ReLU layer named <paramref name="name"/> in compiler messages.</summary>
    public ReLUAttribute(string name) : base(name) { }
}

/// <summary>tanh(x).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TanhAttribute : LayerAttribute
{
    /// <summary>An unnamed tanh layer; the generator names it by position.</summary>
    public TanhAttribute() : base(null) { }
    /// <summary>A tanh layer named <paramref name="name"/> in compiler messages.</summary>
    public TanhAttribute(string name) : base(name) { }
}

/// <summary>1 / (1 + e^-x).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SigmoidAttribute : LayerAttribute
{
    /// <summary>An unnamed sigmoid layer; the generator names it by position.</summary>
    public SigmoidAttribute() : base(null) { }
    /// <summary>A sigmoid layer named <paramref name="name"/> in compiler messages.</summary>
    public SigmoidAttribute(string name) : base(name) { }
}

/// <summary>Softmax over the features of each sample; training then uses cross-entropy over probabilities, as Keras does.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SoftmaxAttribute : LayerAttribute
{
    /// <summary>An unnamed softmax layer; the generator names it by position.</summary>
    public SoftmaxAttribute() : base(null) { }
    /// <summary>A softmax layer named <paramref name="name"/> in compiler messages.</summary>
    public SoftmaxAttribute(string name) : base(name) { }
}

/// <summary>Log-softmax over the features of each sample; training then uses the negative log-likelihood, as PyTorch's tutorials do.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LogSoftmaxAttribute : LayerAttribute
{
    /// <summary>An unnamed log-softmax layer; the generator names it by position.</summary>
    public LogSoftmaxAttribute() : base(null) { }
    /// <summary>A log-softmax layer named <paramref name="name"/> in compiler messages.</summary>
    public LogSoftmaxAttribute(string name) : base(name) { }
}

/// <summary>x for x ≥ 0 and NegativeSlope·x below, like PyTorch's <c>nn.LeakyReLU</c> (default slope 0.01).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LeakyReLUAttribute : LayerAttribute
{
    /// <summary>An unnamed leaky ReLU layer; the generator names it by position.</summary>
    public LeakyReLUAttribute() : base(null) { }
    /// <summary>A leaky ReLU layer named <paramref name="name"/> in compiler messages.</summary>
    public LeakyReLUAttribute(string name) : base(name) { }

    /// <summary>The factor applied to negative inputs (PyTorch's <c>negative_slope</c>); 0.01 by default.</summary>
    public double NegativeSlope { get; set; } = 0.01;
}

/// <summary>x·σ(x) = x / (1 + e^-x), like PyTorch's <c>nn.SiLU</c> (also called Swish).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SiLUAttribute : LayerAttribute
{
    /// <summary>An unnamed SiLU layer; the generator names it by position.</summary>
    public SiLUAttribute() : base(null) { }
    /// <summary>A SiLU layer named <paramref name="name"/> in compiler messages.</summary>
    public SiLUAttribute(string name) : base(name) { }
}

/// <summary>x·Φ(x) = x·(1 + erf(x/√2))/2, like PyTorch's <c>nn.GELU()</c> (the exact form, not approximate='tanh').</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GELUAttribute : LayerAttribute
{
    /// <summary>An unnamed GELU layer; the generator names it by position.</summary>
    public GELUAttribute() : base(null) { }
    /// <summary>A GELU layer named <paramref name="name"/> in compiler messages.</summary>
    public GELUAttribute(string name) : base(name) { }
}
