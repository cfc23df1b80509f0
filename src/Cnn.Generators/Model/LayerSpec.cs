using Cnn.Generators.Diagnostics;

namespace Cnn.Generators.Model
{
    /// <summary>One layer as declared, in source order. <see cref="Name"/> is used in messages and parameter names.</summary>
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
        int OutChannels, int KernelSize, int Stride, int Padding, PaddingModeSpec PaddingMode,
        int Dilation, int Groups, bool Bias, int InChannels)
        : LayerSpec(Name, Location)
    {
        public override string Kind => "Conv2d";
    }

    internal sealed record LinearSpec(string Name, LocationInfo? Location, int OutFeatures, int InFeatures, bool Bias)
        : LayerSpec(Name, Location)
    {
        public override string Kind => "Linear";
    }

    internal enum PoolKindSpec
    {
        Max = 0,
        Average = 1,
    }

    /// <summary>A pooling layer; <see cref="Stride"/> 0 means "equal to the kernel", as in PyTorch.</summary>
    internal sealed record Pool2dSpec(string Name, LocationInfo? Location, PoolKindSpec PoolKind, int KernelSize, int Stride, int Padding)
        : LayerSpec(Name, Location)
    {
        public override string Kind => PoolKind == PoolKindSpec.Max ? "MaxPool2d" : "AvgPool2d";
    }

    internal enum ActivationKindSpec
    {
        ReLU = 0,
        Tanh = 1,
        Sigmoid = 2,
        Softmax = 3,
        LogSoftmax = 4,
    }

    internal sealed record ActivationSpec(string Name, LocationInfo? Location, ActivationKindSpec Activation)
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
}
