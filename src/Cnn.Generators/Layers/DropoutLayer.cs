using System;
using System.Collections.Generic;
using System.Globalization;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Model;
using Cnn.Generators.Parsing;
using Cnn.Generators.Planning;
using Cnn.Generators.Shapes;
using static Cnn.Generators.Layers.EmitContext;

namespace Cnn.Generators.Layers
{
    /// <summary>[Dropout] as declared.</summary>
    internal sealed record DropoutSpec(string Name, LocationInfo? Location, double Probability) : LayerSpec(Name, Location)
    {
        public override string Kind => "Dropout";

        public override LayerKind Rules => DropoutLayer.Instance;
    }

    /// <summary>One to one with the runtime's DropoutGeometry (whose seed the constructor mixes from the network's).</summary>
    internal sealed record DropoutResolved(int Features, double Probability) : ResolvedLayer
    {
        public override string Kind => "Dropout";

        public override LayerKind Rules => DropoutLayer.Instance;
    }

    /// <summary>Inverted dropout with a mask kept for backward; each layer draws from its own seed, mixed with its path.</summary>
    internal sealed class DropoutLayer : LayerKind<DropoutSpec, DropoutResolved>
    {
        public static readonly DropoutLayer Instance = new DropoutLayer();

        public override IReadOnlyList<string> Attributes { get; } = new[] { "DropoutAttribute" };

        public override string OperatorType => "IDropoutOperator";

        public override LayerSpec Parse(string attribute, AttributeArguments a, LocationInfo? location, Func<string, string> name)
            => new DropoutSpec(name("dropout"), location, a.Double("probability", 0));

        protected override int? Infer(DropoutSpec dropout, LayerContext c)
        {
            Shape x = c.InputShape;
            if (!(dropout.Probability >= 0 && dropout.Probability < 1))
            {
                c.Error(DiagnosticIds.DropoutProbability, c.Path, dropout.Probability.ToString("R", CultureInfo.InvariantCulture));
                // Dropout keeps its input's shape.
                return c.Assume(x);
            }
            return c.Produce(new DropoutResolved(checked((int)x.Size), dropout.Probability), x, hasMask: true);
        }

        protected override string Create(ShapedLayer layer, DropoutResolved g, EmitContext e)
            => $"_backend.CreateDropout({Describe(g, "maxBatchSize", $"unchecked(seed ^ {Salt(layer)})")})";

        /// <summary>Seed 0: the graph describes the layer, not one instance's masks.</summary>
        protected override string GraphGeometry(ShapedLayer layer, DropoutResolved g) => Describe(g, "1", "0UL");

        private static string Describe(DropoutResolved g, string maxBatch, string seed)
            => Geometry("DropoutGeometry", ("MaxBatch", maxBatch), ("Features", Num(g.Features)), ("Probability", Float(g.Probability)), ("Seed", seed));

        protected override void Forward(ShapedLayer layer, DropoutResolved g, EmitContext e, List<string> calls)
            => calls.Add($"{Field(layer)}.Forward(batch, {e.Value(layer.Input)}, {e.Value(layer.Output)}, {e.Mask(layer)}, Training && DropoutEnabled);");

        protected override void Backward(ShapedLayer layer, DropoutResolved g, EmitContext e, string dx, List<string> calls)
            => calls.Add($"{Field(layer)}.Backward(batch, {e.Mask(layer)}, {e.GradientOf(layer.Output)}, {dx});");

        /// <summary>Backward multiplies by the mask, and reads nothing else.</summary>
        public override SavedTensors SavedForBackward(ShapedLayer layer) => SavedTensors.Mask;

        /// <summary>What a dropout layer's seed is mixed with, so that each layer gets its own streams.</summary>
        public static string Salt(ShapedLayer layer) => $"0x{StableHash(layer.Path):X16}UL";

        /// <summary>FNV-1a, so that each dropout layer gets its own stream whatever the build machine.</summary>
        private static ulong StableHash(string text)
        {
            ulong hash = 14695981039346656037UL;
            foreach (char c in text)
            {
                hash ^= c;
                hash *= 1099511628211UL;
            }
            return hash;
        }
    }
}
