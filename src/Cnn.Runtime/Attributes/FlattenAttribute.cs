namespace Cnn;

/// <summary>Turns (N, C, H, W) into (N, C·H·W). It is a view: no data moves.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : LayerAttribute
{
    public FlattenAttribute() : base(null) { }
    public FlattenAttribute(string name) : base(name) { }
}
