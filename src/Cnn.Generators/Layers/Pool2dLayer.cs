using System;
using System.Collections.Generic;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Model;
using Cnn.Generators.Parsing;
using Cnn.Generators.Planning;
using Cnn.Generators.Shapes;
using static Cnn.Generators.Layers.EmitContext;
using static Cnn.Generators.Layers.LayerContext;

namespace Cnn.Generators.Layers
{
    /// <summary>Mirrors the runtime's PoolKind.</summary>
    internal enum PoolKindSpec
    {
        Max = 0,
        Average = 1,
        Sum = 2,
        AdaptiveAverage = 3,
    }

    /// <summary>
    /// A pooling layer as declared, per axis; a stride of 0 means "equal to the kernel", as in PyTorch.
    /// For adaptive pooling the kernel holds the output size.
    /// </summary>
    internal sealed record Pool2dSpec(string Name, LocationInfo? Location, PoolKindSpec PoolKind,
        SizeArg KernelHeight, SizeArg KernelWidth, SizeArg StrideHeight, SizeArg StrideWidth, SizeArg PaddingHeight, SizeArg PaddingWidth,
        bool CeilMode, bool CountIncludePad)
        : LayerSpec(Name, Location)
    {
        public override string Kind => Pool2dLayer.KindName(PoolKind);

        public override LayerKind Rules => Pool2dLayer.Instance;
    }

    /// <summary>One to one with the runtime's Pool2dGeometry.</summary>
    internal sealed record Pool2dResolved(
        PoolKindSpec PoolKind,
        int Channels, int InHeight, int InWidth,
        int OutHeight, int OutWidth,
        int KernelHeight, int KernelWidth,
        int StrideHeight, int StrideWidth,
        int PaddingHeight, int PaddingWidth,
        bool CountIncludePad = true) : ResolvedLayer
    {
        public override string Kind => Pool2dLayer.KindName(PoolKind);

        public override LayerKind Rules => Pool2dLayer.Instance;
    }

    /// <summary>MaxPool2d, AvgPool2d, SumPool2d and AdaptiveAvgPool2d, with PyTorch's output sizes.</summary>
    internal sealed class Pool2dLayer : LayerKind<Pool2dSpec, Pool2dResolved>
    {
        public static readonly Pool2dLayer Instance = new Pool2dLayer();

        public override IReadOnlyList<string> Attributes { get; } = new[] { "MaxPool2dAttribute", "AvgPool2dAttribute", "SumPool2dAttribute", "AdaptiveAvgPool2dAttribute" };

        public override string OperatorType => "IPool2dOperator";

        public static string KindName(PoolKindSpec kind) => kind switch
        {
            PoolKindSpec.Max => "MaxPool2d",
            PoolKindSpec.Average => "AvgPool2d",
            PoolKindSpec.Sum => "SumPool2d",
            _ => "AdaptiveAvgPool2d",
        };

        public override LayerSpec Parse(string attribute, AttributeArguments a, LocationInfo? location, Func<string, string> name)
        {
            if (attribute == "AdaptiveAvgPool2dAttribute")
            {
                SizeArg size = a.Size("outputSize");
                return new Pool2dSpec(name("avgpool"), location, PoolKindSpec.AdaptiveAverage, size, size, SizeArg.Of(0), SizeArg.Of(0), SizeArg.Of(0), SizeArg.Of(0), false, true);
            }
            (PoolKindSpec kind, string prefix) = attribute switch
            {
                "MaxPool2dAttribute" => (PoolKindSpec.Max, "maxpool"),
                "AvgPool2dAttribute" => (PoolKindSpec.Average, "avgpool"),
                _ => (PoolKindSpec.Sum, "sumpool"),
            };
            SizeArg kernel = a.Size("kernelSize"), stride = a.Size("Stride", 0), padding = a.Size("Padding", 0);
            return new Pool2dSpec(name(prefix), location, kind,
                a.Size("KernelHeight", fallback: kernel), a.Size("KernelWidth", fallback: kernel),
                a.Size("StrideHeight", fallback: stride), a.Size("StrideWidth", fallback: stride),
                a.Size("PaddingHeight", fallback: padding), a.Size("PaddingWidth", fallback: padding),
                a.Bool("CeilMode", false), a.Bool("CountIncludePad", true));
        }

        protected override int? Infer(Pool2dSpec pool, LayerContext c)
        {
            Shape x = c.InputShape;
            if (x.IsFlat) return c.Error(DiagnosticIds.ImageLayerOnFlatInput, pool.Kind, c.Path, c.Producer, Text(x.Channels));
            if (pool.PoolKind == PoolKindSpec.AdaptiveAverage)
            {
                int? size = c.Positive("outputSize", pool.KernelHeight);
                if (size is null) return null;
                return c.Produce(new Pool2dResolved(pool.PoolKind, x.Channels, x.Height, x.Width, size.Value, size.Value, 0, 0, 0, 0, 0, 0),
                    Shape.Image(x.Channels, size.Value, size.Value));
            }

            (int? kernelHeight, int? kernelWidth) = c.Positive("kernelSize", pool.KernelHeight, pool.KernelWidth);
            (int? strideHeight, int? strideWidth) = c.NotNegative("Stride", pool.StrideHeight, pool.StrideWidth);
            (int? paddingHeight, int? paddingWidth) = c.NotNegative("Padding", pool.PaddingHeight, pool.PaddingWidth);
            if (kernelHeight is null || kernelWidth is null || strideHeight is null || strideWidth is null || paddingHeight is null || paddingWidth is null) return null;
            int kh = kernelHeight.Value, kw = kernelWidth.Value, ph = paddingHeight.Value, pw = paddingWidth.Value;
            int sh = strideHeight.Value == 0 ? kh : strideHeight.Value, sw = strideWidth.Value == 0 ? kw : strideWidth.Value;
            // PyTorch's rule, which in ceil mode accepts a window that overhangs a small input (2×2 under a 3×3 window, stride 2, gives 1×1).
            int height = PooledSize(x.Height, kh, sh, ph, pool.CeilMode);
            int width = PooledSize(x.Width, kw, sw, pw, pool.CeilMode);
            if (height < 1 || width < 1)
            {
                return c.Error(DiagnosticIds.SpatialCollapse, pool.Kind, c.Path, Pair(kh, kw), Text(x.Height), Text(x.Width));
            }
            Shape y = Shape.Image(x.Channels, height, width);
            if (ph * 2 > kh || pw * 2 > kw)
            {
                bool heightSide = ph * 2 > kh;
                string argument = pool.PaddingHeight == pool.PaddingWidth ? "Padding" : heightSide ? pool.PaddingHeight.Argument ?? "Padding" : pool.PaddingWidth.Argument ?? "Padding";
                c.Error(DiagnosticIds.PoolPaddingTooLarge, pool.Kind, c.Path, argument, Text(heightSide ? ph : pw), Area(kh, kw), Text((heightSide ? kh : kw) / 2));
                // The window arithmetic still gives the shape PyTorch's formula would.
                return c.Assume(y);
            }
            return c.Produce(new Pool2dResolved(pool.PoolKind, x.Channels, x.Height, x.Width, height, width, kh, kw, sh, sw, ph, pw,
                pool.PoolKind != PoolKindSpec.Average || pool.CountIncludePad), y);
        }

        /// <summary>PyTorch's pooling output size, including ceil_mode's rule that the last window must start inside the input or its left padding.</summary>
        private static int PooledSize(int size, int kernel, int stride, int padding, bool ceilMode)
        {
            // out = floor-or-ceil((size + 2p − k) / s) + 1, rounding a negative span the way Python does (C# truncates).
            int span = size + 2 * padding - kernel;
            int quotient = ceilMode ? -FloorDivide(-span, stride) : FloorDivide(span, stride);
            int output = quotient + 1;
            if (ceilMode && output > 0 && (output - 1) * stride >= size + padding) output--;
            return output;
        }

        private static int FloorDivide(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

        protected override string Create(ShapedLayer layer, Pool2dResolved g, EmitContext e) => $"_backend.CreatePool2d({Describe(g, "maxBatchSize")})";

        public override string GeometryExpression(ShapedLayer layer) => Describe((Pool2dResolved)layer.Resolved, "maxBatchSize");

        /// <summary>Pools a convolution's output image by image in the convolution's step, in inference.</summary>
        public override FusionRole FusionRole(ShapedLayer layer) => Planning.FusionRole.Pool;

        /// <summary>A max pool: a monotone activation after it gives the values it would give before it.</summary>
        public override bool CommutesWithMonotone(ShapedLayer layer) => ((Pool2dResolved)layer.Resolved).PoolKind == PoolKindSpec.Max;

        protected override string GraphGeometry(ShapedLayer layer, Pool2dResolved g) => Describe(g, "1");

        private static string Describe(Pool2dResolved g, string maxBatch)
        {
            var arguments = new List<(string, string)>
            {
                ("Kind", $"{Backends}PoolKind.{g.PoolKind}"), ("MaxBatch", maxBatch),
                ("Channels", Num(g.Channels)), ("InHeight", Num(g.InHeight)), ("InWidth", Num(g.InWidth)),
                ("OutHeight", Num(g.OutHeight)), ("OutWidth", Num(g.OutWidth)),
                ("KernelHeight", Num(g.KernelHeight)), ("KernelWidth", Num(g.KernelWidth)),
                ("StrideHeight", Num(g.StrideHeight)), ("StrideWidth", Num(g.StrideWidth)),
                ("PaddingHeight", Num(g.PaddingHeight)), ("PaddingWidth", Num(g.PaddingWidth)),
            };
            // Named only when it is not the default, so that every other pool's generated code stays as it was.
            if (!g.CountIncludePad) arguments.Add(("CountIncludePad", "false"));
            return Geometry("Pool2dGeometry", arguments.ToArray());
        }

        protected override void Forward(ShapedLayer layer, Pool2dResolved g, EmitContext e, List<string> calls)
            => calls.Add($"{Field(layer)}.Forward(batch, {e.Value(layer.Input)}, {e.Value(layer.Output)});");

        /// <summary>Max pooling finds the maximum again from the input and the output; the averages and sums need only the output gradient.</summary>
        public override SavedTensors SavedForBackward(ShapedLayer layer)
            => ((Pool2dResolved)layer.Resolved).PoolKind == PoolKindSpec.Max ? SavedTensors.Input | SavedTensors.Output : SavedTensors.None;

        /// <summary>Max pooling over at most 255 positions can keep one byte per pooled value (its window's maximum) instead of its input and output.</summary>
        public override CompactMask? CompactMask(ShapedLayer layer)
        {
            var g = (Pool2dResolved)layer.Resolved;
            bool hasIndices = g.PoolKind == PoolKindSpec.Max && g.KernelHeight * g.KernelWidth <= 255;
            return hasIndices ? new CompactMask(SavedTensors.Input | SavedTensors.Output, ((long)g.Channels * g.OutHeight * g.OutWidth + 3) / 4, "Indices") : null;
        }

        public override string ForwardSavingMask(ShapedLayer layer, EmitContext e)
            => $"{Field(layer)}.ForwardSavingIndices(batch, {e.Value(layer.Input)}, {e.Value(layer.Output)}, {e.Mask(layer)});";

        public override string BackwardFromMask(ShapedLayer layer, EmitContext e, string dx)
            => $"{Field(layer)}.BackwardFromIndices(batch, {e.Mask(layer)}, {e.GradientOf(layer.Output)}, {dx});";

        /// <summary>The averages and sums get no input or output: the planner keeps neither for them.</summary>
        protected override void Backward(ShapedLayer layer, Pool2dResolved g, EmitContext e, string dx, List<string> calls)
        {
            bool max = g.PoolKind == PoolKindSpec.Max;
            calls.Add($"{Field(layer)}.Backward(batch, {(max ? e.Value(layer.Input) : "default")}, {(max ? e.Value(layer.Output) : "default")}, {e.GradientOf(layer.Output)}, {dx});");
        }
    }
}
