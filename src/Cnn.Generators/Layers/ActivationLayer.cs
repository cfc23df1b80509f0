using System;
using System.Collections.Generic;
using System.Linq;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Model;
using Cnn.Generators.Parsing;
using Cnn.Generators.Planning;
using Cnn.Generators.Shapes;
using static Cnn.Generators.Layers.EmitContext;
using static Cnn.Generators.Layers.LayerContext;

namespace Cnn.Generators.Layers
{
    /// <summary>Mirrors the runtime's ActivationKind, by name.</summary>
    internal enum ActivationKindSpec
    {
        ReLU = 0,
        Tanh = 1,
        Sigmoid = 2,
        Softmax = 3,
        LogSoftmax = 4,
        LeakyReLU = 5,
        SiLU = 6,
        GELU = 7,
    }

    /// <summary>An activation attribute as declared; <see cref="NegativeSlope"/> is LeakyReLU's.</summary>
    internal sealed record ActivationSpec(string Name, LocationInfo? Location, ActivationKindSpec Activation, double NegativeSlope)
        : LayerSpec(Name, Location)
    {
        public override string Kind => Activation.ToString();

        public override LayerKind Rules => ActivationLayer.Instance;
    }

    /// <summary>One to one with the runtime's ActivationGeometry.</summary>
    internal sealed record ActivationResolved(ActivationKindSpec Activation, int Features, double NegativeSlope) : ResolvedLayer
    {
        public override string Kind => Activation.ToString();

        public override LayerKind Rules => ActivationLayer.Instance;

        /// <summary>
        /// Whether the gradient is a function of the output alone, as every backend computes it:
        /// ReLU, Tanh, Sigmoid, the softmaxes, and LeakyReLU unless its negative slope flips the sign.
        /// </summary>
        public bool BackwardFromOutput => Activation is not (ActivationKindSpec.SiLU or ActivationKindSpec.GELU)
            && !(Activation == ActivationKindSpec.LeakyReLU && NegativeSlope < 0);

        /// <summary>
        /// ReLU, or LeakyReLU with a slope ≥ 0: monotone and exact (a comparison and a multiply), and
        /// whether the output is &gt; 0 says which branch ran.
        /// </summary>
        public bool IsRectifier => Activation == ActivationKindSpec.ReLU || (Activation == ActivationKindSpec.LeakyReLU && NegativeSlope >= 0);

        /// <summary>Softmax and LogSoftmax normalise over a sample's features, so they need a flat input.</summary>
        public bool PerSample => Activation is ActivationKindSpec.Softmax or ActivationKindSpec.LogSoftmax;
    }

    /// <summary>Elementwise activations and the per-sample softmaxes: the shape is kept, there are no parameters.</summary>
    internal sealed class ActivationLayer : LayerKind<ActivationSpec, ActivationResolved>
    {
        /// <summary>Each activation attribute, the kind it runs, and the prefix of its default name.</summary>
        private static readonly (string Attribute, ActivationKindSpec Kind, string Prefix)[] s_table =
        {
            ("ReLUAttribute", ActivationKindSpec.ReLU, "relu"),
            ("LeakyReLUAttribute", ActivationKindSpec.LeakyReLU, "leakyrelu"),
            ("TanhAttribute", ActivationKindSpec.Tanh, "tanh"),
            ("SigmoidAttribute", ActivationKindSpec.Sigmoid, "sigmoid"),
            ("SoftmaxAttribute", ActivationKindSpec.Softmax, "softmax"),
            ("LogSoftmaxAttribute", ActivationKindSpec.LogSoftmax, "logsoftmax"),
            ("SiLUAttribute", ActivationKindSpec.SiLU, "silu"),
            ("GELUAttribute", ActivationKindSpec.GELU, "gelu"),
        };

        // After the table: static fields initialise in order, and the instance reads the table.
        public static readonly ActivationLayer Instance = new ActivationLayer();

        public override IReadOnlyList<string> Attributes { get; } = s_table.Select(t => t.Attribute).ToArray();

        public override string OperatorType => "IActivationOperator";

        public override LayerSpec Parse(string attribute, AttributeArguments a, LocationInfo? location, Func<string, string> name)
        {
            var entry = s_table.First(t => t.Attribute == attribute);
            double slope = entry.Kind == ActivationKindSpec.LeakyReLU ? a.Double("NegativeSlope", 0.01) : 0;
            return new ActivationSpec(name(entry.Prefix), location, entry.Kind, slope);
        }

        protected override int? Infer(ActivationSpec activation, LayerContext c)
        {
            Shape x = c.InputShape;
            var resolved = new ActivationResolved(activation.Activation, checked((int)x.Size), activation.NegativeSlope);
            if (resolved.PerSample && !x.IsFlat)
            {
                c.Error(DiagnosticIds.SoftmaxOnImage, activation.Kind, c.Path, Text(x.Channels), Text(x.Height), Text(x.Width));
                // An activation keeps its input's shape.
                return c.Assume(x);
            }
            return c.Produce(resolved, x);
        }

        public override string GeometryExpression(ShapedLayer layer) => Describe((ActivationResolved)layer.Resolved, "maxBatchSize");

        protected override string Create(ShapedLayer layer, ActivationResolved g, EmitContext e) => $"_backend.CreateActivation({Describe(g, "maxBatchSize")})";

        protected override string GraphGeometry(ShapedLayer layer, ActivationResolved g) => Describe(g, "1");

        private static string Describe(ActivationResolved g, string maxBatch)
        {
            var arguments = new List<(string, string)> { ("Kind", $"{Backends}ActivationKind.{g.Activation}"), ("MaxBatch", maxBatch), ("Features", Num(g.Features)) };
            if (g.Activation == ActivationKindSpec.LeakyReLU) arguments.Add(("NegativeSlope", Float(g.NegativeSlope)));
            return Geometry("ActivationGeometry", arguments.ToArray());
        }

        /// <summary>
        /// The kinds that run in place join a fused step as its last layer: their backward reads only
        /// the output, which the fused step writes, so training fuses them too.
        /// </summary>
        public override FusionRole FusionRole(ShapedLayer layer) => RunsInPlace(layer) ? Planning.FusionRole.Activation : Planning.FusionRole.None;

        /// <summary>ReLU, and LeakyReLU with a slope ≥ 0: monotone, and exact in every backend (a comparison and a multiply).</summary>
        public override bool IsMonotone(ShapedLayer layer) => ((ActivationResolved)layer.Resolved).IsRectifier;

        /// <summary>The activation over <paramref name="over"/>'s values, which it covers when a fused step moves it before a pool.</summary>
        public override string EpilogueGeometry(ShapedLayer layer, Shape over)
            => Describe((ActivationResolved)layer.Resolved with { Features = checked((int)over.Size) }, "maxBatchSize");

        /// <summary>The output alone when the gradient is a function of it; SiLU, GELU and LeakyReLU with a negative slope read the input.</summary>
        public override SavedTensors SavedForBackward(ShapedLayer layer)
            => ((ActivationResolved)layer.Resolved).BackwardFromOutput ? SavedTensors.Output : SavedTensors.Input | SavedTensors.Output;

        /// <summary>
        /// The elementwise kinds whose gradient comes from the output: every backend reads x[i] before
        /// writing y[i] (CPU reference and SIMD loops, cuDNN's activation and the LeakyReLU kernel,
        /// both documented in place), and dx[i] from dy[i] and y[i] alone. The softmaxes normalise
        /// over a sample, so they stay out of place.
        /// </summary>
        public override bool RunsInPlace(ShapedLayer layer)
        {
            var g = (ActivationResolved)layer.Resolved;
            return g.BackwardFromOutput && !g.PerSample;
        }

        /// <summary>ReLU, and LeakyReLU with a slope ≥ 0, can keep one bit per value (output &gt; 0) instead of the output.</summary>
        public override CompactMask? CompactMask(ShapedLayer layer)
        {
            var g = (ActivationResolved)layer.Resolved;
            return g.IsRectifier ? new CompactMask(SavedTensors.Output, (g.Features + 31) / 32, "Mask", Reapplies: g.Activation == ActivationKindSpec.ReLU) : null;
        }

        public override string ForwardSavingMask(ShapedLayer layer, EmitContext e)
            => $"{Field(layer)}.ForwardSavingMask(batch, {e.Value(layer.Input)}, {e.Value(layer.Output)}, {e.Mask(layer)});";

        public override string BackwardFromMask(ShapedLayer layer, EmitContext e, string dx)
            => $"{Field(layer)}.BackwardFromMask(batch, {e.Mask(layer)}, {e.GradientOf(layer.Output)}, {dx});";

        protected override void Forward(ShapedLayer layer, ActivationResolved g, EmitContext e, List<string> calls)
            => calls.Add($"{Field(layer)}.Forward(batch, {e.Value(layer.Input)}, {e.Value(layer.Output)});");

        /// <summary>No input when the gradient comes from the output: its buffer may already hold the output or another tensor.</summary>
        protected override void Backward(ShapedLayer layer, ActivationResolved g, EmitContext e, string dx, List<string> calls)
        {
            string input = g.BackwardFromOutput ? "default" : e.Value(layer.Input);
            calls.Add($"{Field(layer)}.Backward(batch, {input}, {e.Value(layer.Output)}, {e.GradientOf(layer.Output)}, {dx});");
        }
    }
}
