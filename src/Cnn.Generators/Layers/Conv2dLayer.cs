using System;
using System.Collections.Generic;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Model;
using Cnn.Generators.Parsing;
using Cnn.Generators.Shapes;
using static Cnn.Generators.Layers.EmitContext;
using static Cnn.Generators.Layers.LayerContext;

namespace Cnn.Generators.Layers
{
    internal enum PaddingModeSpec
    {
        Explicit = 0,
        Same = 1,
        Valid = 2,
    }

    /// <summary>[Conv2d] as declared.</summary>
    internal sealed record Conv2dSpec(
        string Name, LocationInfo? Location,
        SizeArg OutChannels, SizeArg KernelSize, SizeArg Stride, SizeArg Padding, PaddingModeSpec PaddingMode,
        SizeArg Dilation, SizeArg Groups, bool Bias, SizeArg InChannels)
        : LayerSpec(Name, Location)
    {
        public override string Kind => "Conv2d";

        public override LayerKind Rules => Conv2dLayer.Instance;
    }

    /// <summary>A convolution with every size resolved; one to one with the runtime's Conv2dGeometry.</summary>
    internal sealed record Conv2dResolved(
        int InChannels, int InHeight, int InWidth,
        int OutChannels, int OutHeight, int OutWidth,
        int KernelHeight, int KernelWidth,
        int StrideHeight, int StrideWidth,
        int PaddingHeight, int PaddingWidth,
        int DilationHeight, int DilationWidth,
        int Groups, bool HasBias) : ResolvedLayer
    {
        public override string Kind => "Conv2d";

        public override LayerKind Rules => Conv2dLayer.Instance;
    }

    /// <summary>PyTorch's nn.Conv2d: out = floor((in + 2p − d(k−1) − 1) / s) + 1; weight [out, in/groups, kh, kw], bias [out].</summary>
    internal sealed class Conv2dLayer : LayerKind<Conv2dSpec, Conv2dResolved>
    {
        public static readonly Conv2dLayer Instance = new Conv2dLayer();

        public override IReadOnlyList<string> Attributes { get; } = new[] { "Conv2dAttribute" };

        public override string OperatorType => "IConv2dOperator";

        public override LayerSpec Parse(string attribute, AttributeArguments a, LocationInfo? location, Func<string, string> name)
            => new Conv2dSpec(name("conv"), location, a.Size("outChannels"), a.Size("kernelSize"), a.Size("Stride", 1),
                a.Size("Padding", 0), (PaddingModeSpec)a.Int("PaddingMode"), a.Size("Dilation", 1), a.Size("Groups", 1), a.Bool("Bias", true), a.Size("InChannels", 0));

        protected override int? Infer(Conv2dSpec conv, LayerContext c)
        {
            Shape x = c.InputShape;
            if (x.IsFlat) return c.Error(DiagnosticIds.ImageLayerOnFlatInput, conv.Kind, c.Path, c.Producer, Text(x.Channels));
            int? outChannels = c.Positive("outChannels", conv.OutChannels);
            int? kernel = c.Positive("kernelSize", conv.KernelSize);
            int? stride = c.Positive("Stride", conv.Stride);
            int? dilation = c.Positive("Dilation", conv.Dilation);
            int? groups = c.Positive("Groups", conv.Groups);
            int? explicitPadding = c.NotNegative("Padding", conv.Padding);
            int? inChannels = c.NotNegative("InChannels", conv.InChannels);
            if (outChannels is null || kernel is null || stride is null || dilation is null || groups is null || explicitPadding is null || inChannels is null) return null;

            if (inChannels > 0 && inChannels != x.Channels)
            {
                string fix = c.ChannelFix(inChannels.Value);
                return c.Error(DiagnosticIds.ChannelMismatch, conv.Kind, c.Path, Text(inChannels.Value), c.Producer, Text(x.Channels), fix);
            }
            if (x.Channels % groups.Value != 0 || outChannels.Value % groups.Value != 0)
            {
                bool inputSide = x.Channels % groups.Value != 0;
                return c.Error(DiagnosticIds.GroupsMismatch, c.Path, Text(groups.Value), inputSide ? "input" : "output", Text(inputSide ? x.Channels : outChannels.Value));
            }

            int effectiveKernel = dilation.Value * (kernel.Value - 1) + 1;
            int padding = explicitPadding.Value;
            if (conv.PaddingMode == PaddingModeSpec.Valid)
            {
                padding = 0;
            }
            else if (conv.PaddingMode == PaddingModeSpec.Same)
            {
                if (stride != 1 || effectiveKernel % 2 == 0)
                {
                    string why = stride != 1 ? $"Stride = {Text(stride.Value)}" : $"an even effective kernel of {Text(effectiveKernel)}";
                    return c.Error(DiagnosticIds.InvalidSamePadding, c.Path, why);
                }
                padding = (effectiveKernel - 1) / 2;
            }

            int paddedHeight = x.Height + 2 * padding, paddedWidth = x.Width + 2 * padding;
            if (effectiveKernel > paddedHeight || effectiveKernel > paddedWidth)
            {
                return c.Error(DiagnosticIds.KernelLargerThanInput, conv.Kind, c.Path, Text(effectiveKernel), Text(paddedHeight), Text(paddedWidth), Text(padding));
            }

            Shape y = Shape.Image(outChannels.Value, (paddedHeight - effectiveKernel) / stride.Value + 1, (paddedWidth - effectiveKernel) / stride.Value + 1);
            int fanIn = x.Channels / groups.Value * kernel.Value * kernel.Value;
            var parameters = new List<ParameterModel>
            {
                c.Parameter("weight", ParameterRoleModel.Weight, new[] { outChannels.Value, x.Channels / groups.Value, kernel.Value, kernel.Value }, ParameterInitModel.UniformFanIn, fanIn),
            };
            if (conv.Bias) parameters.Add(c.Parameter("bias", ParameterRoleModel.Bias, new[] { outChannels.Value }, ParameterInitModel.UniformFanIn, fanIn));
            c.SetsChannels();
            var resolved = new Conv2dResolved(x.Channels, x.Height, x.Width, y.Channels, y.Height, y.Width,
                kernel.Value, kernel.Value, stride.Value, stride.Value, padding, padding, dilation.Value, dilation.Value, groups.Value, conv.Bias);
            return c.Produce(resolved, y, parameters);
        }

        protected override string Create(ShapedLayer layer, Conv2dResolved g, EmitContext e)
            => $"_backend.CreateConv2d({Geometry("Conv2dGeometry", ("MaxBatch", "maxBatchSize"),
                ("InChannels", Num(g.InChannels)), ("InHeight", Num(g.InHeight)), ("InWidth", Num(g.InWidth)),
                ("OutChannels", Num(g.OutChannels)), ("OutHeight", Num(g.OutHeight)), ("OutWidth", Num(g.OutWidth)),
                ("KernelHeight", Num(g.KernelHeight)), ("KernelWidth", Num(g.KernelWidth)),
                ("StrideHeight", Num(g.StrideHeight)), ("StrideWidth", Num(g.StrideWidth)),
                ("PaddingHeight", Num(g.PaddingHeight)), ("PaddingWidth", Num(g.PaddingWidth)),
                ("DilationHeight", Num(g.DilationHeight)), ("DilationWidth", Num(g.DilationWidth)),
                ("Groups", Num(g.Groups)), ("HasBias", Bool(g.HasBias)))})";

        protected override void Forward(ShapedLayer layer, Conv2dResolved g, EmitContext e, List<string> calls)
            => calls.Add($"{Field(layer)}.Forward(batch, {e.Value(layer.Input)}, {e.Parameter(layer.Parameters[0])}, {BiasOrEmpty(layer, e.Parameter)}, {e.Value(layer.Output)});");

        protected override void Backward(ShapedLayer layer, Conv2dResolved g, EmitContext e, string dx, List<string> calls)
            => calls.Add($"{Field(layer)}.Backward(batch, {e.Value(layer.Input)}, {e.Parameter(layer.Parameters[0])}, {e.GradientOf(layer.Output)}, {dx}, "
                + $"{e.Gradient(layer.Parameters[0])}, {BiasOrEmpty(layer, e.Gradient)});");

        /// <summary>The bias view, or "default" for a layer without one.</summary>
        internal static string BiasOrEmpty(ShapedLayer layer, Func<ParameterModel, string> view)
            => layer.Parameters.Count > 1 ? view(layer.Parameters[1]) : "default";
    }
}
