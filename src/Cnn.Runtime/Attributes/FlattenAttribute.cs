namespace Cnn;

/// <summary>Turns (N, C, H, W) into (N, C·H·W). It is a view: no data moves.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : LayerAttribute
{
    /// <summary>An unnamed flatten layer; the generator names it by position.</summary>
    public FlattenAttribute() : base(null) { }
    /// <summary>A flatten layer named <paramref name="name"/> in compiler messages.</summary>
    public FlattenAttribute(string name) : base(name) { }
}
