using System;
using System.Collections.Generic;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Model;
using Cnn.Generators.Parsing;
using Cnn.Generators.Planning;
using Cnn.Generators.Shapes;

namespace Cnn.Generators.Layers
{
    /// <summary>[Flatten] as declared.</summary>
    internal sealed record FlattenSpec(string Name, LocationInfo? Location) : LayerSpec(Name, Location)
    {
        public override string Kind => "Flatten";

        public override LayerKind Rules => FlattenLayer.Instance;
    }

    /// <summary>A flatten of <see cref="Features"/> values per sample.</summary>
    internal sealed record FlattenResolved(int Features) : ResolvedLayer
    {
        public override string Kind => "Flatten";

        public override LayerKind Rules => FlattenLayer.Instance;
    }

    /// <summary>A view: its output aliases its input's value and gradient, so it costs nothing and emits nothing.</summary>
    internal sealed class FlattenLayer : LayerKind<FlattenSpec, FlattenResolved>
    {
        public static readonly FlattenLayer Instance = new FlattenLayer();

        public override IReadOnlyList<string> Attributes { get; } = new[] { "FlattenAttribute" };

        public override LayerSpec Parse(string attribute, AttributeArguments a, LocationInfo? location, Func<string, string> name)
            => new FlattenSpec(name("flatten"), location);

        protected override int? Infer(FlattenSpec flatten, LayerContext c)
        {
            int features = checked((int)c.InputShape.Size);
            return c.Alias(new FlattenResolved(features), Shape.Flat(features));
        }

        protected override void Forward(ShapedLayer layer, FlattenResolved resolved, EmitContext e, List<string> calls)
        {
        }

        /// <summary>A view: it has no step of its own.</summary>
        public override SavedTensors SavedForBackward(ShapedLayer layer) => SavedTensors.None;

        public override void BackwardAll(ShapedLayer layer, EmitContext e, List<string> calls)
        {
        }
    }
}
