using System;
using System.Collections.Generic;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Model;
using Cnn.Generators.Parsing;
using Cnn.Generators.Shapes;
using static Cnn.Generators.Layers.EmitContext;

namespace Cnn.Generators.Layers
{
    /// <summary>[BatchNorm2d] or [BatchNorm1d] as declared.</summary>
    internal sealed record BatchNormSpec(string Name, LocationInfo? Location, bool IsImage, double Epsilon, double Momentum) : LayerSpec(Name, Location)
    {
        public override string Kind => IsImage ? "BatchNorm2d" : "BatchNorm1d";

        public override LayerKind Rules => BatchNormLayer.Instance;
    }

    /// <summary>One to one with the runtime's BatchNormGeometry.</summary>
    internal sealed record BatchNormResolved(bool IsImage, int Channels, long Spatial, double Epsilon, double Momentum) : ResolvedLayer
    {
        public override string Kind => IsImage ? "BatchNorm2d" : "BatchNorm1d";

        public override LayerKind Rules => BatchNormLayer.Instance;
    }

    /// <summary>PyTorch's BatchNorm1d/2d: weight and bias, and the buffers running_mean, running_var and num_batches_tracked.</summary>
    internal sealed class BatchNormLayer : LayerKind<BatchNormSpec, BatchNormResolved>
    {
        public static readonly BatchNormLayer Instance = new BatchNormLayer();

        public override IReadOnlyList<string> Attributes { get; } = new[] { "BatchNorm2dAttribute", "BatchNorm1dAttribute" };

        public override string OperatorType => "IBatchNormOperator";

        public override LayerSpec Parse(string attribute, AttributeArguments a, LocationInfo? location, Func<string, string> name)
            => new BatchNormSpec(name("bn"), location, attribute == "BatchNorm2dAttribute", a.Double("Eps", 1e-5), a.Double("Momentum", 0.1));

        protected override int? Infer(BatchNormSpec norm, LayerContext c)
        {
            Shape x = c.InputShape;
            if (x.IsFlat == norm.IsImage)
            {
                c.Error(DiagnosticIds.BatchNormWrongRank, norm.Kind, c.Path, x.ToString(), c.Producer, norm.IsImage ? "BatchNorm1d" : "BatchNorm2d");
                // Batch norm keeps its input's shape.
                return c.Assume(x);
            }
            int channels = x.Channels;
            var parameters = new List<ParameterModel>
            {
                c.Parameter("weight", ParameterRoleModel.Weight, new[] { channels }, ParameterInitModel.Ones, 0),
                c.Parameter("bias", ParameterRoleModel.Bias, new[] { channels }, ParameterInitModel.Zeros, 0),
                c.Parameter("running_mean", ParameterRoleModel.RunningMean, new[] { channels }, ParameterInitModel.Zeros, 0),
                c.Parameter("running_var", ParameterRoleModel.RunningVariance, new[] { channels }, ParameterInitModel.Ones, 0),
                c.Parameter("num_batches_tracked", ParameterRoleModel.BatchesTracked, new int[0], ParameterInitModel.Zeros, 0),
            };
            c.AddNonTrainable(2L * channels);
            long spatial = x.IsFlat ? 1 : (long)x.Height * x.Width;
            return c.Produce(new BatchNormResolved(norm.IsImage, channels, spatial, norm.Epsilon, norm.Momentum), x, parameters);
        }

        protected override string Create(ShapedLayer layer, BatchNormResolved g, EmitContext e) => $"_backend.CreateBatchNorm({Describe(g, "maxBatchSize")})";

        protected override string GraphGeometry(ShapedLayer layer, BatchNormResolved g) => Describe(g, "1");

        private static string Describe(BatchNormResolved g, string maxBatch)
            => Geometry("BatchNormGeometry", ("MaxBatch", maxBatch), ("Channels", Num(g.Channels)), ("Spatial", Num(g.Spatial)), ("Epsilon", Float(g.Epsilon)), ("Momentum", Float(g.Momentum)));

        public override string GeometryExpression(ShapedLayer layer) => Describe((BatchNormResolved)layer.Resolved, "maxBatchSize");

        /// <summary>Over an image, folded into the convolution before it in inference: a per-channel scale and shift of its output.</summary>
        public override Planning.FusionRole FusionRole(ShapedLayer layer)
            => ((BatchNormResolved)layer.Resolved).IsImage ? Planning.FusionRole.BatchNorm : Planning.FusionRole.None;

        protected override void Forward(ShapedLayer layer, BatchNormResolved g, EmitContext e, List<string> calls)
        {
            EquatableArray<ParameterModel> p = layer.Parameters;
            calls.Add($"{Field(layer)}.Forward(batch, {e.Value(layer.Input)}, {e.Parameter(p[0])}, {e.Parameter(p[1])}, "
                + $"{e.Buffer(p[2])}, {e.Buffer(p[3])}, {e.Buffer(p[4])}, {e.Value(layer.Output)}, {e.BatchNormTraining(p[0])});");
        }

        /// <summary>
        /// In evaluation mode (the only mode of an inference network) y = (x − mean)·scale + shift per
        /// value: the CPU kernels read x[i] before writing y[i], and the CUDA operator copies an aliased
        /// input to the backend's workspace first, since cuDNN does not promise in-place. Training
        /// keeps the input: backward reads it.
        /// </summary>
        public override bool ForwardRunsInPlace(ShapedLayer layer) => true;

        protected override void Backward(ShapedLayer layer, BatchNormResolved g, EmitContext e, string dx, List<string> calls)
            => calls.Add($"{Field(layer)}.Backward(batch, {e.Value(layer.Input)}, {e.Parameter(layer.Parameters[0])}, {e.GradientOf(layer.Output)}, {dx}, "
                + $"{e.Gradient(layer.Parameters[0])}, {e.Gradient(layer.Parameters[1])});");

    }
}
