using System;
using System.Collections.Generic;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Planning;
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

    /// <summary>[Conv2d] as declared, each window size per axis (kernelSize unless KernelHeight/KernelWidth override it, and so on).</summary>
    internal sealed record Conv2dSpec(
        string Name, LocationInfo? Location,
        SizeArg OutChannels, SizeArg KernelHeight, SizeArg KernelWidth, SizeArg StrideHeight, SizeArg StrideWidth,
        SizeArg PaddingHeight, SizeArg PaddingWidth, PaddingModeSpec PaddingMode,
        SizeArg DilationHeight, SizeArg DilationWidth, SizeArg Groups, bool Bias, SizeArg InChannels)
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
        {
            SizeArg kernel = a.Size("kernelSize"), stride = a.Size("Stride", 1), padding = a.Size("Padding", 0), dilation = a.Size("Dilation", 1);
            return new Conv2dSpec(name("conv"), location, a.Size("outChannels"),
                a.Size("KernelHeight", fallback: kernel), a.Size("KernelWidth", fallback: kernel),
                a.Size("StrideHeight", fallback: stride), a.Size("StrideWidth", fallback: stride),
                a.Size("PaddingHeight", fallback: padding), a.Size("PaddingWidth", fallback: padding), (PaddingModeSpec)a.Int("PaddingMode"),
                a.Size("DilationHeight", fallback: dilation), a.Size("DilationWidth", fallback: dilation),
                a.Size("Groups", 1), a.Bool("Bias", true), a.Size("InChannels", 0));
        }

        protected override int? Infer(Conv2dSpec conv, LayerContext c)
        {
            Shape x = c.InputShape;
            if (x.IsFlat) return c.Error(DiagnosticIds.ImageLayerOnFlatInput, conv.Kind, c.Path, c.Producer, Text(x.Channels));
            int? outChannels = c.Positive("outChannels", conv.OutChannels);
            (int? kernelHeight, int? kernelWidth) = c.Positive("kernelSize", conv.KernelHeight, conv.KernelWidth);
            (int? strideHeight, int? strideWidth) = c.Positive("Stride", conv.StrideHeight, conv.StrideWidth);
            (int? dilationHeight, int? dilationWidth) = c.Positive("Dilation", conv.DilationHeight, conv.DilationWidth);
            int? groups = c.Positive("Groups", conv.Groups);
            (int? paddingHeight, int? paddingWidth) = c.NotNegative("Padding", conv.PaddingHeight, conv.PaddingWidth);
            int? inChannels = c.NotNegative("InChannels", conv.InChannels);
            if (outChannels is null || kernelHeight is null || kernelWidth is null || strideHeight is null || strideWidth is null
                || dilationHeight is null || dilationWidth is null || groups is null || paddingHeight is null || paddingWidth is null || inChannels is null) return null;

            int effectiveHeight = dilationHeight.Value * (kernelHeight.Value - 1) + 1, effectiveWidth = dilationWidth.Value * (kernelWidth.Value - 1) + 1;
            int padHeight = paddingHeight.Value, padWidth = paddingWidth.Value;
            if (conv.PaddingMode == PaddingModeSpec.Valid)
            {
                padHeight = padWidth = 0;
            }
            else if (conv.PaddingMode == PaddingModeSpec.Same)
            {
                if (strideHeight != 1 || strideWidth != 1 || effectiveHeight % 2 == 0 || effectiveWidth % 2 == 0)
                {
                    string why = strideHeight != 1 || strideWidth != 1 ? $"Stride = {Pair(strideHeight.Value, strideWidth.Value)}"
                        : $"an even effective kernel of {Area(effectiveHeight, effectiveWidth)}";
                    c.Error(DiagnosticIds.InvalidSamePadding, c.Path, why);
                    // What Same asks for: the input's height and width.
                    c.SetsChannels();
                    return c.Assume(Shape.Image(outChannels.Value, x.Height, x.Width));
                }
                padHeight = (effectiveHeight - 1) / 2;
                padWidth = (effectiveWidth - 1) / 2;
            }

            // Channels first, as PyTorch checks them before the window: a layer with both mistakes reports both.
            bool channelMismatch = inChannels > 0 && inChannels != x.Channels;
            if (channelMismatch)
            {
                string fix = c.ChannelFix(inChannels!.Value);
                c.Error(DiagnosticIds.ChannelMismatch, conv.Kind, c.Path, Text(inChannels.Value), c.Producer, Text(x.Channels), fix);
            }

            int paddedHeight = x.Height + 2 * padHeight, paddedWidth = x.Width + 2 * padWidth;
            if (effectiveHeight > paddedHeight || effectiveWidth > paddedWidth)
            {
                return c.Error(DiagnosticIds.KernelLargerThanInput, conv.Kind, c.Path, Area(effectiveHeight, effectiveWidth),
                    Area(paddedHeight, paddedWidth), Pair(padHeight, padWidth));
            }
            Shape y = Shape.Image(outChannels.Value, (paddedHeight - effectiveHeight) / strideHeight.Value + 1, (paddedWidth - effectiveWidth) / strideWidth.Value + 1);

            // The output shape follows from the declaration alone, so later layers are still checked against it.
            if (channelMismatch)
            {
                c.SetsChannels();
                return c.Assume(y);
            }
            if (x.Channels % groups.Value != 0 || outChannels.Value % groups.Value != 0)
            {
                bool inputSide = x.Channels % groups.Value != 0;
                c.Error(DiagnosticIds.GroupsMismatch, c.Path, Text(groups.Value), inputSide ? "input" : "output", Text(inputSide ? x.Channels : outChannels.Value));
                c.SetsChannels();
                return c.Assume(y);
            }

            int fanIn = x.Channels / groups.Value * kernelHeight.Value * kernelWidth.Value;
            var parameters = new List<ParameterModel>
            {
                c.Parameter("weight", ParameterRoleModel.Weight, new[] { outChannels.Value, x.Channels / groups.Value, kernelHeight.Value, kernelWidth.Value }, ParameterInitModel.UniformFanIn, fanIn),
            };
            if (conv.Bias) parameters.Add(c.Parameter("bias", ParameterRoleModel.Bias, new[] { outChannels.Value }, ParameterInitModel.UniformFanIn, fanIn));
            c.SetsChannels();
            var resolved = new Conv2dResolved(x.Channels, x.Height, x.Width, y.Channels, y.Height, y.Width,
                kernelHeight.Value, kernelWidth.Value, strideHeight.Value, strideWidth.Value, padHeight, padWidth,
                dilationHeight.Value, dilationWidth.Value, groups.Value, conv.Bias);
            return c.Produce(resolved, y, parameters);
        }

        protected override string Create(ShapedLayer layer, Conv2dResolved g, EmitContext e) => $"_backend.CreateConv2d({Describe(g, "maxBatchSize")})";

        protected override string GraphGeometry(ShapedLayer layer, Conv2dResolved g) => Describe(g, "1");

        private static string Describe(Conv2dResolved g, string maxBatch)
            => Geometry("Conv2dGeometry", ("MaxBatch", maxBatch),
                ("InChannels", Num(g.InChannels)), ("InHeight", Num(g.InHeight)), ("InWidth", Num(g.InWidth)),
                ("OutChannels", Num(g.OutChannels)), ("OutHeight", Num(g.OutHeight)), ("OutWidth", Num(g.OutWidth)),
                ("KernelHeight", Num(g.KernelHeight)), ("KernelWidth", Num(g.KernelWidth)),
                ("StrideHeight", Num(g.StrideHeight)), ("StrideWidth", Num(g.StrideWidth)),
                ("PaddingHeight", Num(g.PaddingHeight)), ("PaddingWidth", Num(g.PaddingWidth)),
                ("DilationHeight", Num(g.DilationHeight)), ("DilationWidth", Num(g.DilationWidth)),
                ("Groups", Num(g.Groups)), ("HasBias", Bool(g.HasBias)));

        public override string GeometryExpression(ShapedLayer layer) => Describe((Conv2dResolved)layer.Resolved, "maxBatchSize");

        /// <summary>Leads fused steps: bias, a folded batch norm and an activation applied to each output row.</summary>
        public override FusionRole FusionRole(ShapedLayer layer) => Planning.FusionRole.Convolution;

        public override string FusedOperatorType => "IFusedConv2dOperator";

        public override string CreateFused(ShapedLayer head, string epilogue) => $"_backend.CreateFusedConv2d({GeometryExpression(head)}, {epilogue})";

        public override string ForwardFused(ShapedLayer head, FusedChain chain, string field, EmitContext e)
        {
            string norm = "default";
            if (chain.BatchNorm >= 0)
            {
                EquatableArray<ParameterModel> p = e.Network.Layers[chain.BatchNorm].Parameters;
                norm = $"new {Backends}BatchNormTensors({e.Parameter(p[0])}, {e.Parameter(p[1])}, {e.Buffer(p[2])}, {e.Buffer(p[3])})";
            }
            string output = e.Value(e.Network.Layers[chain.Last].Output);
            // With a pool, the convolution's (activated) output goes to its own buffer first.
            if (chain.Pool >= 0) output += ", " + e.Value(e.Network.Layers[chain.Pool].Input);
            return $"{field}.Forward(batch, {e.Value(head.Input)}, {e.Parameter(head.Parameters[0])}, {BiasOrEmpty(head, e.Parameter)}, {norm}, {output});";
        }

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
