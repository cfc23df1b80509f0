using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Layers;

namespace Cnn.Generators.Model
{
    /// <summary>
    /// One layer or composite as declared, in source order. <see cref="Name"/> is used in messages and
    /// parameter names. Each layer kind's own spec lives beside its rules in Layers/.
    /// </summary>
    internal abstract record LayerSpec(string Name, LocationInfo? Location)
    {
        /// <summary>The attribute's name as the user wrote it, e.g. "Conv2d".</summary>
        public abstract string Kind { get; }

        /// <summary>The kind's parse, shape and emit rules; null for a block use, which the shape stage expands.</summary>
        public virtual LayerKind? Rules => null;
    }

    /// <summary>An instance of a block, with its arguments in the block's parameter order.</summary>
    internal sealed record UseSpec(string Name, LocationInfo? Location, BlockSpec Block, EquatableArray<SizeArg> Arguments)
        : LayerSpec(Name, Location)
    {
        public override string Kind => Block.TypeName;
    }

    /// <summary>A [Block] class: its parameters and its body.</summary>
    internal sealed record BlockSpec(string TypeName, EquatableArray<BlockParameterSpec> Parameters, EquatableArray<LayerSpec> Body);

    /// <summary>A block parameter, with its default when it has one.</summary>
    internal sealed record BlockParameterSpec(string Name, int? Default);
}
