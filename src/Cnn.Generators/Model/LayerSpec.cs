using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;

namespace Cnn.Generators.Model
{
    /// <summary>One layer or composite as declared, in source order. <see cref="Name"/> is used in messages and parameter names.</summary>
    internal abstract record LayerSpec(string Name, LocationInfo? Location)
    {
        /// <summary>The attribute's name as the user wrote it, e.g. "Conv2d".</summary>
        public abstract string Kind { get; }
    }

    internal enum PaddingModeSpec
    {
        Explicit = 0,
        Same = 1,
        Valid = 2,
    }

    internal sealed record Conv2dSpec(
        string Name, LocationInfo? Location,
        SizeArg OutChannels, SizeArg KernelSize, SizeArg Stride, SizeArg Padding, PaddingModeSpec PaddingMode,
        SizeArg Dilation, SizeArg Groups, bool Bias, SizeArg InChannels)
        : LayerSpec(Name, Location)
    {
        public override string Kind => "Conv2d";
    }

    internal sealed record LinearSpec(string Name, LocationInfo? Location, SizeArg OutFeatures, SizeArg InFeatures, bool Bias)
        : LayerSpec(Name, Location)
    {
        public override string Kind => "Linear";
    }

    internal enum PoolKindSpec
    {
        Max = 0,
        Average = 1,
        Sum = 2,
        AdaptiveAverage = 3,
    }

    /// <summary>
    /// A pooling layer; <see cref="Stride"/> 0 means "equal to the kernel", as in PyTorch. For adaptive
    /// pooling <see cref="KernelSize"/> holds the output size.
    /// </summary>
    internal sealed record Pool2dSpec(string Name, LocationInfo? Location, PoolKindSpec PoolKind, SizeArg KernelSize, SizeArg Stride, SizeArg Padding, bool CeilMode)
        : LayerSpec(Name, Location)
    {
        public override string Kind => PoolKind switch
        {
            PoolKindSpec.Max => "MaxPool2d",
            PoolKindSpec.Average => "AvgPool2d",
            PoolKindSpec.Sum => "SumPool2d",
            _ => "AdaptiveAvgPool2d",
        };
    }

    internal enum ActivationKindSpec
    {
        ReLU = 0,
        Tanh = 1,
        Sigmoid = 2,
        Softmax = 3,
        LogSoftmax = 4,
        LeakyReLU = 5,
    }

    internal sealed record ActivationSpec(string Name, LocationInfo? Location, ActivationKindSpec Activation, double NegativeSlope)
        : LayerSpec(Name, Location)
    {
        public override string Kind => Activation.ToString();
    }

    internal sealed record FlattenSpec(string Name, LocationInfo? Location)
        : LayerSpec(Name, Location)
    {
        public override string Kind => "Flatten";
    }

    internal sealed record DropoutSpec(string Name, LocationInfo? Location, double Probability)
        : LayerSpec(Name, Location)
    {
        public override string Kind => "Dropout";
    }

    internal sealed record BatchNormSpec(string Name, LocationInfo? Location, bool IsImage, double Epsilon, double Momentum)
        : LayerSpec(Name, Location)
    {
        public override string Kind => IsImage ? "BatchNorm2d" : "BatchNorm1d";
    }

    /// <summary>An instance of a block, with its arguments in the block's parameter order.</summary>
    internal sealed record UseSpec(string Name, LocationInfo? Location, BlockSpec Block, EquatableArray<SizeArg> Arguments)
        : LayerSpec(Name, Location)
    {
        public override string Kind => Block.TypeName;
    }

    /// <summary>output = main(x) + shortcut(x); the shortcut's layers run only when the main path changes the shape.</summary>
    internal sealed record ResidualSpec(string Name, LocationInfo? Location, EquatableArray<LayerSpec> Main, string? ShortcutName, EquatableArray<LayerSpec> Shortcut)
        : LayerSpec(Name, Location)
    {
        public override string Kind => "Residual";
    }

    /// <summary>Branches reading the same input, concatenated along channels.</summary>
    internal sealed record ConcatSpec(string Name, LocationInfo? Location, EquatableArray<BranchSpec> Branches)
        : LayerSpec(Name, Location)
    {
        public override string Kind => "Concat";
    }

    /// <summary>One branch of a concat; a non-null name adds a segment to its layers' names.</summary>
    internal sealed record BranchSpec(string? Name, EquatableArray<LayerSpec> Layers);

    /// <summary>A [Block] class: its parameters and its body.</summary>
    internal sealed record BlockSpec(string TypeName, EquatableArray<BlockParameterSpec> Parameters, EquatableArray<LayerSpec> Body);

    /// <summary>A block parameter, with its default when it has one.</summary>
    internal sealed record BlockParameterSpec(string Name, int? Default);
}
