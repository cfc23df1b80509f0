namespace Cnn;

/// <summary>
/// Base of every layer attribute. Layers run in the order their attributes appear in source. Every
/// layer has a name, used in compiler messages and in PyTorch-style parameter names such as
/// <c>conv1.weight</c>; layers without parameters get one like <c>relu2</c> when none is given.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public abstract class LayerAttribute : Attribute
{
    /// <summary>Sets the layer's <see cref="Name"/>; null lets the generator name it.</summary>
    protected LayerAttribute(string? name) => Name = name;

    /// <summary>The layer's name, or null to let the generator name it.</summary>
    public string? Name { get; }
}
