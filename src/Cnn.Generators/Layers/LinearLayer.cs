using System;
using System.Collections.Generic;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Planning;
using Cnn.Generators.Model;
using Cnn.Generators.Parsing;
using Cnn.Generators.Shapes;
using static Cnn.Generators.Layers.EmitContext;
using static Cnn.Generators.Layers.LayerContext;

namespace Cnn.Generators.Layers
{
    /// <summary>[Linear] as declared.</summary>
    internal sealed record LinearSpec(string Name, LocationInfo? Location, SizeArg OutFeatures, SizeArg InFeatures, bool Bias)
        : LayerSpec(Name, Location)
    {
        public override string Kind => "Linear";

        public override LayerKind Rules => LinearLayer.Instance;
    }

    /// <summary>One to one with the runtime's LinearGeometry.</summary>
    internal sealed record LinearResolved(int InFeatures, int OutFeatures, bool HasBias) : ResolvedLayer
    {
        public override string Kind => "Linear";

        public override LayerKind Rules => LinearLayer.Instance;
    }

    /// <summary>PyTorch's nn.Linear on a flat input: weight [out, in], bias [out].</summary>
    internal sealed class LinearLayer : LayerKind<LinearSpec, LinearResolved>
    {
        public static readonly LinearLayer Instance = new LinearLayer();

        public override IReadOnlyList<string> Attributes { get; } = new[] { "LinearAttribute" };

        public override string OperatorType => "ILinearOperator";

        public override LayerSpec Parse(string attribute, AttributeArguments a, LocationInfo? location, Func<string, string> name)
            => new LinearSpec(name("fc"), location, a.Size("outFeatures"), a.Size("InFeatures", 0), a.Bool("Bias", true));

        protected override int? Infer(LinearSpec linear, LayerContext c)
        {
            Shape x = c.InputShape;
            int? outFeatures = c.Positive("outFeatures", linear.OutFeatures);
            int? inFeatures = c.NotNegative("InFeatures", linear.InFeatures);
            // After a wrong input the layer still gives its declared features, so the layers after it are checked too.
            if (!x.IsFlat)
            {
                c.Error(DiagnosticIds.DenseOnImage, c.Path, Text(x.Channels), Text(x.Height), Text(x.Width), c.Producer, Text(x.Size));
                return outFeatures is null ? null : Assumed(c, outFeatures.Value);
            }
            if (outFeatures is null || inFeatures is null) return null;
            if (inFeatures > 0 && inFeatures != x.Channels)
            {
                c.Error(DiagnosticIds.LinearInFeaturesMismatch, c.Path, Text(inFeatures.Value), c.Producer, Text(x.Channels));
                return Assumed(c, outFeatures.Value);
            }
            var parameters = new List<ParameterModel>
            {
                c.Parameter("weight", ParameterRoleModel.Weight, new[] { outFeatures.Value, x.Channels }, ParameterInitModel.UniformFanIn, x.Channels),
            };
            if (linear.Bias) parameters.Add(c.Parameter("bias", ParameterRoleModel.Bias, new[] { outFeatures.Value }, ParameterInitModel.UniformFanIn, x.Channels));
            c.SetsChannels();
            return c.Produce(new LinearResolved(x.Channels, outFeatures.Value, linear.Bias), Shape.Flat(outFeatures.Value), parameters);
        }

        private static int Assumed(LayerContext c, int outFeatures)
        {
            c.SetsChannels();
            return c.Assume(Shape.Flat(outFeatures));
        }

        protected override string Create(ShapedLayer layer, LinearResolved g, EmitContext e) => $"_backend.CreateLinear({Describe(g, "maxBatchSize")})";

        protected override string GraphGeometry(ShapedLayer layer, LinearResolved g) => Describe(g, "1");

        private static string Describe(LinearResolved g, string maxBatch)
            => Geometry("LinearGeometry", ("MaxBatch", maxBatch), ("InFeatures", Num(g.InFeatures)), ("OutFeatures", Num(g.OutFeatures)), ("HasBias", Bool(g.HasBias)));

        public override string GeometryExpression(ShapedLayer layer) => Describe((LinearResolved)layer.Resolved, "maxBatchSize");

        /// <summary>Leads fused steps: the activation applied to the output as it is finished.</summary>
        public override FusionRole FusionRole(ShapedLayer layer) => Planning.FusionRole.Linear;

        public override string FusedOperatorType => "IFusedLinearOperator";

        public override string CreateFused(ShapedLayer head, string epilogue) => $"_backend.CreateFusedLinear({GeometryExpression(head)}, {epilogue})";

        public override string ForwardFused(ShapedLayer head, FusedChain chain, string field, EmitContext e)
            => $"{field}.Forward(batch, {e.Value(head.Input)}, {e.Parameter(head.Parameters[0])}, {Conv2dLayer.BiasOrEmpty(head, e.Parameter)}, {e.Value(e.Network.Layers[chain.Last].Output)});";

        protected override void Forward(ShapedLayer layer, LinearResolved g, EmitContext e, List<string> calls)
            => calls.Add($"{Field(layer)}.Forward(batch, {e.Value(layer.Input)}, {e.Parameter(layer.Parameters[0])}, {Conv2dLayer.BiasOrEmpty(layer, e.Parameter)}, {e.Value(layer.Output)});");

        protected override void Backward(ShapedLayer layer, LinearResolved g, EmitContext e, string dx, List<string> calls)
            => calls.Add($"{Field(layer)}.Backward(batch, {e.Value(layer.Input)}, {e.Parameter(layer.Parameters[0])}, {e.GradientOf(layer.Output)}, {dx}, "
                + $"{e.Gradient(layer.Parameters[0])}, {Conv2dLayer.BiasOrEmpty(layer, e.Gradient)});");
    }
}
