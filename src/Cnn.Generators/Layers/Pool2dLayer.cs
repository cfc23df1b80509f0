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
    /// A pooling layer as declared; <see cref="Stride"/> 0 means "equal to the kernel", as in PyTorch.
    /// For adaptive pooling <see cref="KernelSize"/> holds the output size.
    /// </summary>
    internal sealed record Pool2dSpec(string Name, LocationInfo? Location, PoolKindSpec PoolKind, SizeArg KernelSize, SizeArg Stride, SizeArg Padding, bool CeilMode)
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
        int PaddingHeight, int PaddingWidth) : ResolvedLayer
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

        public override LayerSpec Parse(string attribute, AttributeArguments a, LocationInfo? location, Func<string, string> name) => attribute switch
        {
            "MaxPool2dAttribute" => new Pool2dSpec(name("maxpool"), location, PoolKindSpec.Max, a.Size("kernelSize"), a.Size("Stride", 0), a.Size("Padding", 0), a.Bool("CeilMode", false)),
            "AvgPool2dAttribute" => new Pool2dSpec(name("avgpool"), location, PoolKindSpec.Average, a.Size("kernelSize"), a.Size("Stride", 0), a.Size("Padding", 0), false),
            "SumPool2dAttribute" => new Pool2dSpec(name("sumpool"), location, PoolKindSpec.Sum, a.Size("kernelSize"), a.Size("Stride", 0), a.Size("Padding", 0), false),
            _ => new Pool2dSpec(name("avgpool"), location, PoolKindSpec.AdaptiveAverage, a.Size("outputSize"), SizeArg.Of(0), SizeArg.Of(0), false),
        };

        protected override int? Infer(Pool2dSpec pool, LayerContext c)
        {
            Shape x = c.InputShape;
            if (x.IsFlat) return c.Error(DiagnosticIds.ImageLayerOnFlatInput, pool.Kind, c.Path, c.Producer, Text(x.Channels));
            if (pool.PoolKind == PoolKindSpec.AdaptiveAverage)
            {
                int? size = c.Positive("outputSize", pool.KernelSize);
                if (size is null) return null;
                return c.Produce(new Pool2dResolved(pool.PoolKind, x.Channels, x.Height, x.Width, size.Value, size.Value, 0, 0, 0, 0, 0, 0),
                    Shape.Image(x.Channels, size.Value, size.Value));
            }

            int? kernel = c.Positive("kernelSize", pool.KernelSize);
            int? strideValue = c.NotNegative("Stride", pool.Stride);
            int? padding = c.NotNegative("Padding", pool.Padding);
            if (kernel is null || strideValue is null || padding is null) return null;
            int stride = strideValue.Value == 0 ? kernel.Value : strideValue.Value;
            if (padding.Value * 2 > kernel.Value)
            {
                return c.Error(DiagnosticIds.PoolPaddingTooLarge, pool.Kind, c.Path, Text(padding.Value), Text(kernel.Value), Text(kernel.Value / 2));
            }
            // PyTorch's rule, which in ceil mode accepts a window that overhangs a small input (2×2 under a 3×3 window, stride 2, gives 1×1).
            int height = PooledSize(x.Height, kernel.Value, stride, padding.Value, pool.CeilMode);
            int width = PooledSize(x.Width, kernel.Value, stride, padding.Value, pool.CeilMode);
            if (height < 1 || width < 1)
            {
                return c.Error(DiagnosticIds.SpatialCollapse, pool.Kind, c.Path, Text(kernel.Value), Text(x.Height), Text(x.Width));
            }
            return c.Produce(new Pool2dResolved(pool.PoolKind, x.Channels, x.Height, x.Width, height, width, kernel.Value, kernel.Value, stride, stride, padding.Value, padding.Value),
                Shape.Image(x.Channels, height, width));
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

        protected override string Create(ShapedLayer layer, Pool2dResolved g, EmitContext e)
            => $"_backend.CreatePool2d({Geometry("Pool2dGeometry", ("Kind", $"{Backends}PoolKind.{g.PoolKind}"), ("MaxBatch", "maxBatchSize"),
                ("Channels", Num(g.Channels)), ("InHeight", Num(g.InHeight)), ("InWidth", Num(g.InWidth)),
                ("OutHeight", Num(g.OutHeight)), ("OutWidth", Num(g.OutWidth)),
                ("KernelHeight", Num(g.KernelHeight)), ("KernelWidth", Num(g.KernelWidth)),
                ("StrideHeight", Num(g.StrideHeight)), ("StrideWidth", Num(g.StrideWidth)),
                ("PaddingHeight", Num(g.PaddingHeight)), ("PaddingWidth", Num(g.PaddingWidth)))})";

        protected override void Forward(ShapedLayer layer, Pool2dResolved g, EmitContext e, List<string> calls)
            => calls.Add($"{Field(layer)}.Forward(batch, {e.Value(layer.Input)}, {e.Value(layer.Output)});");

        /// <summary>Max pooling finds the maximum again from the input and the output.</summary>
        public override SavedTensors SavedForBackward(ShapedLayer layer) => SavedTensors.Input | SavedTensors.Output;

        protected override void Backward(ShapedLayer layer, Pool2dResolved g, EmitContext e, string dx, List<string> calls)
            => calls.Add($"{Field(layer)}.Backward(batch, {e.Value(layer.Input)}, {e.Value(layer.Output)}, {e.GradientOf(layer.Output)}, {dx});");
    }
}
