using System;
using System.Collections.Generic;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Model;
using Cnn.Generators.Parsing;
using Cnn.Generators.Planning;
using Cnn.Generators.Shapes;
using static Cnn.Generators.Layers.LayerContext;

namespace Cnn.Generators.Layers
{
    /// <summary>
    /// output = main(x) + shortcut(x). A declared shortcut always runs, as in PyTorch, unless
    /// <see cref="OnlyWhenShapeChanges"/>: then its layers run only when the main path changes the shape.
    /// </summary>
    internal sealed record ResidualSpec(string Name, LocationInfo? Location, EquatableArray<LayerSpec> Main, string? ShortcutName, EquatableArray<LayerSpec> Shortcut,
        bool OnlyWhenShapeChanges = false)
        : LayerSpec(Name, Location)
    {
        public override string Kind => "Residual";

        public override LayerKind Rules => ResidualLayer.Instance;
    }

    /// <summary>The sum of the main path and the shortcut, over <see cref="Size"/> values per sample.</summary>
    internal sealed record ResidualResolved(long Size) : ResolvedLayer
    {
        public override string Kind => "Residual";

        public override LayerKind Rules => ResidualLayer.Instance;
    }

    /// <summary>[Residual] … [Shortcut] … [EndResidual]: the parser reads the markers; this states the shapes and the sum.</summary>
    internal sealed class ResidualLayer : LayerKind<ResidualSpec, ResidualResolved>
    {
        public static readonly ResidualLayer Instance = new ResidualLayer();

        // The markers are read by the parser, which builds the nested spec.
        public override IReadOnlyList<string> Attributes { get; } = Array.Empty<string>();

        public override LayerSpec Parse(string attribute, AttributeArguments a, LocationInfo? location, Func<string, string> name)
            => throw new InvalidOperationException("[Residual] is read by the parser's composition reader.");

        protected override int? Infer(ResidualSpec residual, LayerContext c)
        {
            Shape x = c.InputShape;
            int? main = c.Sequence(residual.Main, c.Input, null);
            if (main is null) return null;
            Shape y = c.ShapeOf(main.Value);
            string where = c.Instance;
            // The sum has the main path's channels: a shortcut's layers must not become what CNN0004 blames.
            string? mainSource = c.ChannelSource;
            bool mainSourceIsConcat = c.ChannelSourceIsConcat;

            int shortcut = c.Input;
            bool runShortcut = residual.Shortcut.Count > 0 && !(residual.OnlyWhenShapeChanges && y.Equals(x));
            if (!y.Equals(x) || runShortcut)
            {
                if (residual.Shortcut.Count == 0)
                {
                    string fix = y.IsFlat || x.IsFlat
                        ? "make the main path keep its input's shape"
                        : $"add [Shortcut(\"downsample\")] with a 1×1 Conv2d to {Text(y.Channels)} channels with stride {Text(Math.Max(1, x.Height / Math.Max(1, y.Height)))} (and a BatchNorm2d), before [EndResidual]";
                    c.Error(DiagnosticIds.ResidualShapeMismatch, where, y.ToString(), "the identity shortcut", x.ToString(), fix);
                    // The sum would have the main path's shape: go on with it.
                    return c.Assume(y);
                }
                int? projected = c.Sequence(residual.Shortcut, c.Input, residual.ShortcutName ?? "");
                if (projected is null) return null;
                Shape s = c.ShapeOf(projected.Value);
                if (!s.Equals(y))
                {
                    c.Error(DiagnosticIds.ResidualShapeMismatch, where, y.ToString(),
                        $"the shortcut '{c.Join(residual.ShortcutName)}'", s.ToString(), "change the shortcut's channels or stride to match the main path");
                    c.SetChannelSource(mainSource, mainSourceIsConcat);
                    return c.Assume(y);
                }
                shortcut = projected.Value;
                c.SetChannelSource(mainSource, mainSourceIsConcat);
            }
            return c.Combine(new ResidualResolved(y.Size), new[] { main.Value, shortcut }, y);
        }

        protected override void Forward(ShapedLayer layer, ResidualResolved resolved, EmitContext e, List<string> calls)
            => calls.Add($"_backend.Add({e.Value(layer.Inputs[0])}, {e.Value(layer.Inputs[1])}, {e.Value(layer.Output)});");

        /// <summary>Backward only passes the output gradient on.</summary>
        public override SavedTensors SavedForBackward(ShapedLayer layer) => SavedTensors.None;

        /// <summary>d(a + b) passes dy to both inputs unchanged.</summary>
        public override void BackwardAll(ShapedLayer layer, EmitContext e, List<string> calls)
        {
            string dy = e.GradientOf(layer.Output);
            for (int i = 0; i < layer.Inputs.Count; i++)
            {
                string target = e.GradientOf(layer.Inputs[i]);
                if (layer.Routes[i] == GradientRoute.Write) calls.Add($"_backend.Copy({dy}, {target});");
                else if (layer.Routes[i] == GradientRoute.Accumulate) calls.Add($"_backend.Add({target}, {dy}, {target});");
            }
        }
    }
}
