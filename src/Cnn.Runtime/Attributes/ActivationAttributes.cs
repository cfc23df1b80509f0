namespace Cnn;

/// <summary>max(0, x).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReLUAttribute : LayerAttribute
{
    public ReLUAttribute() : base(null) { }
    public ReLUAttribute(string name) : base(name) { }
}

/// <summary>tanh(x).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TanhAttribute : LayerAttribute
{
    public TanhAttribute() : base(null) { }
    public TanhAttribute(string name) : base(name) { }
}

/// <summary>1 / (1 + e^-x).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SigmoidAttribute : LayerAttribute
{
    public SigmoidAttribute() : base(null) { }
    public SigmoidAttribute(string name) : base(name) { }
}

/// <summary>Softmax over the features of each sample; training then uses cross-entropy over probabilities, as Keras does.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SoftmaxAttribute : LayerAttribute
{
    public SoftmaxAttribute() : base(null) { }
    public SoftmaxAttribute(string name) : base(name) { }
}

/// <summary>Log-softmax over the features of each sample; training then uses the negative log-likelihood, as PyTorch's tutorials do.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LogSoftmaxAttribute : LayerAttribute
{
    public LogSoftmaxAttribute() : base(null) { }
    public LogSoftmaxAttribute(string name) : base(name) { }
}

/// <summary>x for x ≥ 0 and NegativeSlope·x below, like PyTorch's <c>nn.LeakyReLU</c> (default slope 0.01).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LeakyReLUAttribute : LayerAttribute
{
    public LeakyReLUAttribute() : base(null) { }
    public LeakyReLUAttribute(string name) : base(name) { }

    public double NegativeSlope { get; set; } = 0.01;
}

/// <summary>x·σ(x) = x / (1 + e^-x), like PyTorch's <c>nn.SiLU</c> (also called Swish).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SiLUAttribute : LayerAttribute
{
    public SiLUAttribute() : base(null) { }
    public SiLUAttribute(string name) : base(name) { }
}

/// <summary>x·Φ(x) = x·(1 + erf(x/√2))/2, like PyTorch's <c>nn.GELU()</c> (the exact form, not approximate='tanh').</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GELUAttribute : LayerAttribute
{
    public GELUAttribute() : base(null) { }
    public GELUAttribute(string name) : base(name) { }
}
