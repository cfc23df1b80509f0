using System;
using System.Collections.Generic;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Model;
using Cnn.Generators.Parsing;
using Cnn.Generators.Planning;
using Cnn.Generators.Shapes;

namespace Cnn.Generators.Layers
{
    /// <summary>
    /// Everything the generator knows about one layer kind, in one place: how its attribute is read
    /// (parse), what it does to shapes and which parameters it owns (shape), and which backend
    /// operator runs it forward and backward (emit). Adding a layer kind means adding one of these to
    /// <see cref="LayerKinds"/> and one operator per backend; no switch elsewhere names it.
    /// </summary>
    internal abstract class LayerKind
    {
        /// <summary>The attribute classes this kind reads, e.g. "Conv2dAttribute".</summary>
        public abstract IReadOnlyList<string> Attributes { get; }

        /// <summary>
        /// Reads one attribute into a spec. <paramref name="name"/> gives the layer's name: the
        /// attribute's own, or the given prefix numbered in its scope ("relu2").
        /// </summary>
        public abstract LayerSpec Parse(string attribute, AttributeArguments arguments, LocationInfo? location, Func<string, string> name);

        /// <summary>States the shape rule: adds the node (and its parameters), or reports why it cannot, returning null.</summary>
        public abstract int? Infer(LayerSpec spec, LayerContext context);

        /// <summary>The backend operator interface that runs the layer, or null for a view or a composition.</summary>
        public virtual string? OperatorType => null;

        /// <summary>The expression that creates the layer's operator in the constructor (null when there is none).</summary>
        public virtual string? Create(ShapedLayer layer, EmitContext e) => null;

        /// <summary>
        /// The geometry record that the network's graph description gives this node (one sample:
        /// MaxBatch 1), or null for a kind whose inputs and output shape say everything (a view, a
        /// sum, a concatenation). Exporters read it at run time.
        /// </summary>
        public virtual string? GraphGeometry(ShapedLayer layer) => null;

        /// <summary>
        /// What the backward step reads of the forward step besides the output gradient; the planner
        /// keeps it alive until then. By default the input value (a layer with weights needs it).
        /// </summary>
        public virtual SavedTensors SavedForBackward(ShapedLayer layer) => SavedTensors.Input;

        /// <summary>
        /// The compact mask the layer can keep instead of (part of) <see cref="SavedForBackward"/>, or
        /// null; a kind that has one also emits <see cref="ForwardSavingMask"/> and <see cref="BackwardFromMask"/>.
        /// </summary>
        public virtual CompactMask? CompactMask(ShapedLayer layer) => null;

        /// <summary>The forward call of a training plan that keeps the layer's compact mask.</summary>
        public virtual string ForwardSavingMask(ShapedLayer layer, EmitContext e)
            => throw new System.NotSupportedException($"{layer.Kind} keeps no compact mask.");

        /// <summary>The backward call from the compact mask alone, writing the input gradient to <paramref name="dx"/>.</summary>
        public virtual string BackwardFromMask(ShapedLayer layer, EmitContext e, string dx)
            => throw new System.NotSupportedException($"{layer.Kind} keeps no compact mask.");

        /// <summary>
        /// Whether the layer may run in place: forward writes the output over the input (elementwise,
        /// reading each value before writing it), backward reads only the output (never the input),
        /// and the input gradient may overwrite the output gradient. Every backend's kernel must allow
        /// both aliasings; the planner uses them when nothing else reads the input.
        /// </summary>
        public virtual bool RunsInPlace(ShapedLayer layer) => false;

        /// <summary>
        /// Whether the forward pass alone may write the output over the input (reading each value
        /// before writing it): what an inference plan, which has no backward step, needs. By default
        /// the same as <see cref="RunsInPlace"/>.
        /// </summary>
        public virtual bool ForwardRunsInPlace(ShapedLayer layer) => RunsInPlace(layer);

        /// <summary>The forward calls.</summary>
        public abstract void Forward(ShapedLayer layer, EmitContext e, List<string> calls);

        /// <summary>The layer's runtime geometry record as a C# expression, or null for a kind without one.</summary>
        public virtual string? GeometryExpression(ShapedLayer layer) => null;

        /// <summary>The part the layer can take in a fused step (<see cref="ExecutionPlanner"/> decides which steps fuse).</summary>
        public virtual FusionRole FusionRole(ShapedLayer layer) => Planning.FusionRole.None;

        /// <summary>
        /// For an elementwise activation: whether it is monotone non-decreasing and exact in every
        /// backend, so that a max pool gives the same values before it as after it (max(f(a), f(b)) = f(max(a, b))).
        /// </summary>
        public virtual bool IsMonotone(ShapedLayer layer) => false;

        /// <summary>For a pool: whether a monotone activation after it may run before it instead (max pooling).</summary>
        public virtual bool CommutesWithMonotone(ShapedLayer layer) => false;

        /// <summary>
        /// The geometry of the layer as a fused step's epilogue applies it, over the head's output
        /// <paramref name="over"/>: an activation moved before a pool covers the unpooled tensor.
        /// </summary>
        public virtual string EpilogueGeometry(ShapedLayer layer, Shape over) => GeometryExpression(layer)!;

        /// <summary>For a kind that leads fused steps: the backend's fused operator interface.</summary>
        public virtual string? FusedOperatorType => null;

        /// <summary>For a kind that leads fused steps: the expression that creates the fused operator, given the epilogue expression.</summary>
        public virtual string CreateFused(ShapedLayer head, string epilogue)
            => throw new System.NotSupportedException($"{head.Kind} does not lead fused steps.");

        /// <summary>For a kind that leads fused steps: the forward call of <paramref name="chain"/> through <paramref name="field"/>.</summary>
        public virtual string ForwardFused(ShapedLayer head, FusedChain chain, string field, EmitContext e)
            => throw new System.NotSupportedException($"{head.Kind} does not lead fused steps.");

        /// <summary>
        /// The backward calls for a single-input layer: <paramref name="dx"/> is where its input's
        /// gradient goes ("default" when none is needed). Compositions override <see cref="BackwardAll"/>.
        /// </summary>
        public virtual void Backward(ShapedLayer layer, EmitContext e, string dx, List<string> calls)
        {
        }

        /// <summary>Every backward call of the node, routes included; by default one input with <see cref="Backward"/>.</summary>
        public virtual void BackwardAll(ShapedLayer layer, EmitContext e, List<string> calls)
        {
            GradientRoute route = layer.Routes[0];
            if (route == GradientRoute.None && layer.ParameterCount == 0) return;
            string dx = route switch
            {
                GradientRoute.Write => e.GradientOf(layer.Input),
                GradientRoute.Accumulate => e.Scratch(layer, e.Network.Tensors[layer.Input].Shape.Size),
                _ => "default",
            };
            if (e.HasCompactMask(layer)) calls.Add(BackwardFromMask(layer, e, dx));
            else Backward(layer, e, dx, calls);
            e.AddAccumulate(layer, layer.Input, route, calls);
        }
    }

    /// <summary>A kind with its own spec and resolved record types, so that its rules read them typed.</summary>
    internal abstract class LayerKind<TSpec, TResolved> : LayerKind
        where TSpec : LayerSpec
        where TResolved : ResolvedLayer
    {
        public sealed override int? Infer(LayerSpec spec, LayerContext context) => Infer((TSpec)spec, context);

        public sealed override string? Create(ShapedLayer layer, EmitContext e) => Create(layer, (TResolved)layer.Resolved, e);

        public sealed override string? GraphGeometry(ShapedLayer layer) => GraphGeometry(layer, (TResolved)layer.Resolved);

        public sealed override void Forward(ShapedLayer layer, EmitContext e, List<string> calls) => Forward(layer, (TResolved)layer.Resolved, e, calls);

        public sealed override void Backward(ShapedLayer layer, EmitContext e, string dx, List<string> calls) => Backward(layer, (TResolved)layer.Resolved, e, dx, calls);

        protected abstract int? Infer(TSpec spec, LayerContext context);

        protected virtual string? Create(ShapedLayer layer, TResolved resolved, EmitContext e) => null;

        protected virtual string? GraphGeometry(ShapedLayer layer, TResolved resolved) => null;

        protected abstract void Forward(ShapedLayer layer, TResolved resolved, EmitContext e, List<string> calls);

        protected virtual void Backward(ShapedLayer layer, TResolved resolved, EmitContext e, string dx, List<string> calls)
        {
        }
    }

    /// <summary>
    /// What shape inference resolved for one node: its geometry as the runtime's geometry record
    /// names it, one record type per layer kind. Value-equatable, with no location.
    /// </summary>
    internal abstract record ResolvedLayer
    {
        /// <summary>The kind as the summary and layer list show it, e.g. "Conv2d".</summary>
        public abstract string Kind { get; }

        /// <summary>The rules of this kind (not part of equality: one instance per kind).</summary>
        public abstract LayerKind Rules { get; }
    }
}
