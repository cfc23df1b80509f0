using System;
using System.Collections.Generic;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Model;
using Cnn.Generators.Parsing;
using Cnn.Generators.Planning;
using Cnn.Generators.Shapes;
using static Cnn.Generators.Layers.EmitContext;
using static Cnn.Generators.Layers.LayerContext;

namespace Cnn.Generators.Layers
{
    /// <summary>Branches reading the same input, concatenated along channels.</summary>
    internal sealed record ConcatSpec(string Name, LocationInfo? Location, EquatableArray<BranchSpec> Branches)
        : LayerSpec(Name, Location)
    {
        public override string Kind => "Concat";

        public override LayerKind Rules => ConcatLayer.Instance;
    }

    /// <summary>One branch of a concat; a non-null name adds a segment to its layers' names.</summary>
    internal sealed record BranchSpec(string? Name, EquatableArray<LayerSpec> Layers);

    /// <summary>The concatenation of <see cref="Channels"/> channels in total.</summary>
    internal sealed record ConcatResolved(int Channels) : ResolvedLayer
    {
        public override string Kind => "Concat";

        public override LayerKind Rules => ConcatLayer.Instance;
    }

    /// <summary>[Concat] [Branch] … [EndConcat]: the branches' outputs must agree in height and width.</summary>
    internal sealed class ConcatLayer : LayerKind<ConcatSpec, ConcatResolved>
    {
        public static readonly ConcatLayer Instance = new ConcatLayer();

        // The markers are read by the parser, which builds the nested spec.
        public override IReadOnlyList<string> Attributes { get; } = Array.Empty<string>();

        public override LayerSpec Parse(string attribute, AttributeArguments a, LocationInfo? location, Func<string, string> name)
            => throw new InvalidOperationException("[Concat] is read by the parser's composition reader.");

        protected override int? Infer(ConcatSpec concat, LayerContext c)
        {
            var outputs = new List<int>();
            var names = new List<string>();
            string path = c.Join(concat.Name);
            foreach (BranchSpec branch in concat.Branches)
            {
                string label = branch.Name is null ? $"#{outputs.Count + 1}" : $"'{branch.Name}'";
                int? output = c.Sequence(branch.Layers, c.Input, branch.Name ?? "", $"branch {label} of '{path}'");
                if (output is null) return null;
                outputs.Add(output.Value);
                names.Add(label);
            }
            if (outputs.Count == 0) return null;
            Shape first = c.ShapeOf(outputs[0]);
            int channels = 0;
            bool mismatch = false;
            for (int i = 0; i < outputs.Count; i++)
            {
                Shape s = c.ShapeOf(outputs[i]);
                if (!mismatch && (s.IsFlat != first.IsFlat || s.Height != first.Height || s.Width != first.Width))
                {
                    c.Error(DiagnosticIds.ConcatSpatialMismatch, c.Instance, names[i], Spatial(s), names[0], Spatial(first));
                    mismatch = true;
                }
                channels += s.Channels;
            }
            Shape y = first.IsFlat ? Shape.Flat(channels) : Shape.Image(channels, first.Height, first.Width);
            c.SetChannelSource(path, true);
            // The branches' channels add up either way: go on with the first branch's height and width.
            if (mismatch) return c.Assume(y);
            return c.Combine(new ConcatResolved(channels), outputs.ToArray(), y);
        }

        private static string Spatial(Shape s) => s.IsFlat ? "a flat tensor" : $"{Text(s.Height)}×{Text(s.Width)}";

        protected override void Forward(ShapedLayer layer, ConcatResolved resolved, EmitContext e, List<string> calls)
        {
            long offset = 0, width = layer.OutputShape.Size;
            foreach (int input in layer.Inputs)
            {
                TensorSlot slot = e.Network.Tensors[input];
                calls.Add($"_backend.CopyStrided(batch, {Num(slot.Shape.Size)}, {e.Value(input)}, {Num(slot.Shape.Size)}, "
                    + $"{e.Strided(e.ValueSlot(layer.Output), offset)}, {Num(width)});");
                offset += slot.Shape.Size;
            }
        }

        /// <summary>Backward only copies the output gradient apart.</summary>
        public override SavedTensors SavedForBackward(ShapedLayer layer) => SavedTensors.None;

        /// <summary>Each branch gets its channels of the output gradient, copied out of the strided batch.</summary>
        public override void BackwardAll(ShapedLayer layer, EmitContext e, List<string> calls)
        {
            long offset = 0, width = layer.OutputShape.Size;
            for (int i = 0; i < layer.Inputs.Count; i++)
            {
                TensorSlot slot = e.Network.Tensors[layer.Inputs[i]];
                string source = e.Strided(e.GradientSlot(layer.Output), offset);
                string size = Num(slot.Shape.Size);
                if (layer.Routes[i] != GradientRoute.None)
                {
                    string target = layer.Routes[i] == GradientRoute.Write ? e.GradientOf(layer.Inputs[i]) : e.Scratch(layer, slot.Shape.Size);
                    calls.Add($"_backend.CopyStrided(batch, {size}, {source}, {Num(width)}, {target}, {size});");
                    e.AddAccumulate(layer, layer.Inputs[i], layer.Routes[i], calls);
                }
                offset += slot.Shape.Size;
            }
        }
    }
}
