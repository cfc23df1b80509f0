namespace Cnn;

/// <summary>
/// Declares a reusable block: the layer attributes that follow, in order, with named parameters
/// that its layers use in size expressions. A parameter may have a default: <c>"stride = 1"</c>.
/// Networks (and other blocks) use it with <see cref="UseAttribute{TBlock}"/>.
/// </summary>
/// <example>
/// <code>
/// [Block("planes", "stride = 1")]
/// [Residual]
/// [Conv2d("conv1", "planes", 3, StrideExpression = "stride", Padding = 1, Bias = false)]
/// [BatchNorm2d("bn1")]
/// [ReLU]
/// [Conv2d("conv2", "planes", 3, Padding = 1, Bias = false)]
/// [BatchNorm2d("bn2")]
/// [Shortcut("downsample", OnlyWhenShapeChanges = true)]
/// [Conv2d("0", "planes", 1, StrideExpression = "stride", Bias = false)]
/// [BatchNorm2d("1")]
/// [EndResidual]
/// [ReLU]
/// public sealed class BasicBlock;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class BlockAttribute : Attribute
{
    /// <summary>A block with the given parameters, each a name or <c>"name = default"</c> with an integer default.</summary>
    public BlockAttribute(params string[] parameters) => Parameters = parameters;

    /// <summary>The block's parameter declarations, as written.</summary>
    public string[] Parameters { get; }
}

/// <summary>
/// Inserts an instance of block <typeparamref name="TBlock"/> here, named <c>name</c> (its layers'
/// parameters become e.g. <c>layer1.0.conv1.weight</c>), with positional arguments for the block's
/// parameters: integers, or inside another block, expressions over that block's parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class UseAttribute<TBlock> : LayerAttribute where TBlock : class
{
    /// <summary>An instance named <paramref name="name"/>, with one argument per block parameter in declaration order (trailing ones with defaults may be left out).</summary>
    public UseAttribute(string name, params object[] arguments) : base(name) => Arguments = arguments;

    /// <summary>The arguments as written: <see cref="int"/> values or <see cref="string"/> expressions.</summary>
    public object[] Arguments { get; }
}

/// <summary>
/// Starts a residual connection: the layers up to <see cref="ShortcutAttribute"/> (or
/// <see cref="EndResidualAttribute"/>) form the main path, and their output is added to the input of
/// this point, through the shortcut's layers when the shapes differ.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ResidualAttribute : LayerAttribute
{
    /// <summary>An unnamed residual connection.</summary>
    public ResidualAttribute() : base(null) { }
    /// <summary>A residual connection named <paramref name="name"/> in compiler messages.</summary>
    public ResidualAttribute(string name) : base(name) { }
}

/// <summary>
/// Starts the projection shortcut of a residual connection (named like torchvision's <c>downsample</c>).
/// Its layers always run, as a PyTorch module's declared shortcut does, unless
/// <see cref="OnlyWhenShapeChanges"/> is set.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ShortcutAttribute : LayerAttribute
{
    /// <summary>A shortcut whose layers' parameters are named under <paramref name="name"/>, e.g. <c>downsample.0.weight</c>.</summary>
    public ShortcutAttribute(string name) : base(name) { }

    /// <summary>
    /// Runs the shortcut's layers only when the main path changes the shape, and the identity
    /// otherwise: torchvision's <c>if stride != 1 or inplanes != planes: downsample = ...</c>, for a
    /// block used both ways.
    /// </summary>
    public bool OnlyWhenShapeChanges { get; set; }
}

/// <summary>Ends a residual connection.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class EndResidualAttribute : Attribute
{
}

/// <summary>Starts branches that all read the same input and whose outputs are concatenated along channels (Inception).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ConcatAttribute : LayerAttribute
{
    /// <summary>An unnamed concatenation.</summary>
    public ConcatAttribute() : base(null) { }
    /// <summary>A concatenation named <paramref name="name"/> in compiler messages.</summary>
    public ConcatAttribute(string name) : base(name) { }
}

/// <summary>Starts one branch of a <see cref="ConcatAttribute"/>; a name adds a segment to its layers' names (e.g. <c>branch2.0.conv.weight</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BranchAttribute : Attribute
{
    /// <summary>A branch that adds no segment to its layers' names.</summary>
    public BranchAttribute() { }
    /// <summary>A branch whose layers' names start with <paramref name="name"/>.</summary>
    public BranchAttribute(string name) => Name = name;

    /// <summary>The name segment added to the branch's layers, or null for none.</summary>
    public string? Name { get; }
}

/// <summary>Ends a <see cref="ConcatAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class EndConcatAttribute : Attribute
{
}
