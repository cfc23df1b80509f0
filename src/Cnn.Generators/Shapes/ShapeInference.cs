using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Layers;
using Cnn.Generators.Model;

namespace Cnn.Generators.Shapes
{
    /// <summary>
    /// Infers every tensor shape of a <see cref="NetworkSpec"/>, expands blocks, lays out its
    /// parameters and buffers, and routes its gradients. Pure code over plain records (no Roslyn
    /// types), so it is unit-tested on its own. Each layer kind states its shape rule, parameter
    /// shapes and PyTorch parameter names in its own place (Layers/); this walks the network and owns
    /// the parameter layout. The activation arena is the execution planner's.
    /// </summary>
    internal static class ShapeInference
    {
        public static ShapeResult Infer(NetworkSpec spec)
        {
            var errors = new List<DiagnosticInfo>();
            if (spec.Layers.Count == 0)
            {
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.NoLayers, spec.Location, spec.ClassName));
            }
            if (spec.Input is null)
            {
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.MissingInput, spec.Location, spec.ClassName));
            }
            if (errors.Count > 0 || spec.Input is null) return Failed(errors);

            InputSpec input = spec.Input;
            if (input.Channels <= 0 || (!input.IsFlat && (input.Height <= 0 || input.Width <= 0)))
            {
                string value = input.IsFlat ? Text(input.Channels) : $"({input.Channels}, {input.Height}, {input.Width})";
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.NonPositiveSize, input.Location, "Input", "input", "shape", value, "positive in every dimension"));
                return Failed(errors);
            }

            var builder = new Builder(errors, input.IsFlat ? Shape.Flat(input.Channels) : Shape.Image(input.Channels, input.Height, input.Width));
            // A layer in error that still declares its output shape (LayerContext.Assume) lets inference go on, so
            // one build reports every independent mistake; one whose output is unknown ends it (null), since the
            // layers after it would only report errors that follow from a guessed shape.
            int? output = builder.TopLevel(spec.Layers, 0, new Scope("", new Dictionary<string, int>(), null));
            builder.CheckDuplicateNames(spec);
            if (output is null || errors.Count > 0) return Failed(errors);
            if (builder.Nodes.Count == 0)
            {
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.NoLayers, spec.Location, spec.ClassName));
                return Failed(errors);
            }
            return new ShapeResult(builder.Finish(spec), EquatableArray<DiagnosticInfo>.Empty);
        }

        public static bool IsValidName(string name)
        {
            if (string.IsNullOrEmpty(name)) return false;
            foreach (char c in name)
            {
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
                if (!ok) return false;
            }
            return true;
        }

        /// <summary>A block instance's naming prefix, parameter values, and the network attribute its errors point at.</summary>
        internal sealed class Scope
        {
            public Scope(string prefix, IReadOnlyDictionary<string, int> parameters, LocationInfo? anchor, string? branch = null)
            {
                Prefix = prefix;
                Parameters = parameters;
                Anchor = anchor;
                Branch = branch;
            }

            public string Prefix { get; }
            public IReadOnlyDictionary<string, int> Parameters { get; }
            public LocationInfo? Anchor { get; }

            /// <summary>The concat branch the layers are in, for messages ("branch #2 of 'concat1'"), or null.</summary>
            public string? Branch { get; }

            public string PathOf(string name) => Join(Prefix, name);

            public Scope Child(string segment, string? branch = null) => new Scope(Join(Prefix, segment), Parameters, Anchor, branch ?? Branch);

            public static string Join(string prefix, string? name)
                => string.IsNullOrEmpty(name) ? prefix : prefix.Length == 0 ? name! : prefix + "." + name;
        }

        /// <summary>Builds the node list, the tensors between the nodes, and the layout of parameters and buffers.</summary>
        internal sealed class Builder
        {
            public List<DiagnosticInfo> Errors => _errors;

            private readonly List<DiagnosticInfo> _errors;
            private readonly List<(string Path, LocationInfo? Location)> _names = new List<(string, LocationInfo?)>();

            /// <summary>The last layer that gave a tensor (a node, or an erroneous layer's assumed output), named in messages.</summary>
            private string? _lastProducer;

            public Builder(List<DiagnosticInfo> errors, Shape input)
            {
                _errors = errors;
                Tensors.Add(new TensorSlot(input, 0, HasGradient: false));
            }

            public List<TensorSlot> Tensors { get; } = new List<TensorSlot>();
            public List<ShapedLayer> Nodes { get; } = new List<ShapedLayer>();
            public List<SummaryRow> Summary { get; } = new List<SummaryRow>();
            public long ParameterCount { get; private set; }
            public long BufferCount { get; private set; }
            /// <summary>Floats in the parameter buffer: the parameters and the alignment padding between them.</summary>
            public long ParameterLength { get; private set; }
            /// <summary>Floats in the buffers buffer, padding included.</summary>
            public long BufferLength { get; private set; }
            public long NonTrainableCount { get; set; }

            /// <summary>The last layer that set the channel count (null: the input), named when channels do not match.</summary>
            public string? ChannelSource { get; set; }

            /// <summary>Whether <see cref="ChannelSource"/> is a concatenation, whose branches together set the channels.</summary>
            public bool ChannelSourceIsConcat { get; set; }

            /// <summary>
            /// Infers the network's own layers, recording a summary row for each. A block used without
            /// a name (a zoo network's body) is transparent: its layers get the rows.
            /// </summary>
            public int? TopLevel(EquatableArray<LayerSpec> layers, int input, Scope scope)
            {
                int current = input;
                foreach (LayerSpec layer in layers)
                {
                    int? next;
                    if (layer is UseSpec { Name: "" } body)
                    {
                        Scope? inner = Instantiate(body, "", layer.Location ?? scope.Anchor, scope);
                        next = inner is null ? null : TopLevel(body.Block.Body, current, inner);
                    }
                    else
                    {
                        long parametersBefore = ParameterCount;
                        next = Layer(layer, current, scope);
                        if (next is not null) Summary.Add(new SummaryRow(scope.PathOf(layer.Name), layer.Kind, Tensors[next.Value].Shape, ParameterCount - parametersBefore));
                    }
                    if (next is null) return null;
                    current = next.Value;
                }
                return current;
            }

            public int? Sequence(EquatableArray<LayerSpec> layers, int input, Scope scope)
            {
                int current = input;
                foreach (LayerSpec layer in layers)
                {
                    int? next = Layer(layer, current, scope);
                    if (next is null) return null;
                    current = next.Value;
                }
                return current;
            }

            public int? Layer(LayerSpec layer, int input, Scope scope)
            {
                LocationInfo? location = layer.Location ?? scope.Anchor;
                string path = scope.PathOf(layer.Name);
                // Dotted names ("features.0", "layer1.0") keep PyTorch's state_dict names; a block use may add no segment at all.
                bool named = (layer is UseSpec && layer.Name.Length == 0) || layer.Name.Split('.').All(IsValidName);
                // A bad name does not change the shapes: report it and go on.
                if (!named) _errors.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidLayerName, location, layer.Name));
                string producer = _lastProducer is null ? "the input" : $"'{_lastProducer}'";
                if (layer is UseSpec use) return Use(use, input, path, location, scope);
                return layer.Rules!.Infer(layer, new LayerContext(this, scope, layer, path, location, producer, input));
            }

            private int? Use(UseSpec use, int input, string path, LocationInfo? location, Scope scope)
            {
                Scope? inner = Instantiate(use, path, location, scope);
                return inner is null ? null : Sequence(use.Block.Body, input, inner);
            }

            /// <summary>The scope of a block instance: its name prefix and its parameters, evaluated in the enclosing scope.</summary>
            private Scope? Instantiate(UseSpec use, string path, LocationInfo? location, Scope scope)
            {
                var values = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < use.Block.Parameters.Count; i++)
                {
                    BlockParameterSpec parameter = use.Block.Parameters[i];
                    int? value = SizeExpression.Evaluate(use.Arguments[i], scope.Parameters, out string? error);
                    if (value is null)
                    {
                        _errors.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidSizeExpression, location, use.Kind, path, "argument '" + parameter.Name + "'", error!));
                        return null;
                    }
                    values[parameter.Name] = value.Value;
                }
                return new Scope(path, values, scope.Anchor ?? location);
            }

            public int? Check(LayerSpec layer, string path, LocationInfo? location, Scope scope, string argument, SizeArg value, int minimum, string rule)
            {
                int? result = SizeExpression.Evaluate(value, scope.Parameters, out string? error);
                if (result is null)
                {
                    _errors.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidSizeExpression, location, layer.Kind, path, argument, error!));
                    return null;
                }
                if (result.Value >= minimum) return result;
                string shown = value.Expression is null ? Text(result.Value) : $"{Text(result.Value)} (\"{value.Expression}\")";
                _errors.Add(DiagnosticInfo.Create(DiagnosticIds.NonPositiveSize, location, layer.Kind, path, argument, shown, rule));
                return null;
            }

            /// <summary>
            /// Places a parameter, or a buffer when the role is a running statistic, at the next
            /// 64-byte-aligned offset after the previous ones; the counts stay the number of values.
            /// </summary>
            public ParameterModel Parameter(string layer, string suffix, ParameterRoleModel role, int[] dimensions, ParameterInitModel init, int fanIn)
            {
                long length = 1;
                foreach (int d in dimensions) length *= d;
                bool isBuffer = role >= ParameterRoleModel.RunningMean;
                long offset = Planning.Alignment.Align(isBuffer ? BufferLength : ParameterLength);
                var parameter = new ParameterModel(layer + "." + suffix, layer, role, dimensions.ToEquatableArray(), offset, checked((int)length), init, fanIn);
                if (isBuffer)
                {
                    BufferCount += length;
                    BufferLength = offset + length;
                }
                else
                {
                    ParameterCount += length;
                    ParameterLength = offset + length;
                }
                return parameter;
            }

            public int Produce(ResolvedLayer resolved, string path, LocationInfo? location, int input, Shape output, List<ParameterModel> parameters, bool hasMask)
            {
                _names.Add((path, location));
                int y = NewTensor(output);
                Nodes.Add(Node(resolved, path, new[] { input }, y, parameters, hasMask));
                return y;
            }

            /// <summary>A tensor without a producing node: the shape an erroneous layer declares, so that inference can go on.</summary>
            public int Assume(string path, Shape output)
            {
                _lastProducer = path;
                return NewTensor(output);
            }

            /// <summary>A view: the output shares its input's value and gradient.</summary>
            public int Alias(ResolvedLayer resolved, string path, int input, Shape output)
            {
                TensorSlot x = Tensors[input];
                Tensors.Add(new TensorSlot(output, x.Storage, x.HasGradient));
                Nodes.Add(Node(resolved, path, new[] { input }, Tensors.Count - 1, new List<ParameterModel>(), hasMask: false));
                return Tensors.Count - 1;
            }

            public int Combine(ResolvedLayer resolved, string path, int[] inputs, Shape output)
            {
                int y = NewTensor(output);
                Nodes.Add(Node(resolved, path, inputs, y, new List<ParameterModel>(), hasMask: false));
                return y;
            }

            /// <summary>A tensor with its own value and gradient; returns its index.</summary>
            private int NewTensor(Shape shape)
            {
                Tensors.Add(new TensorSlot(shape, Tensors.Count, HasGradient: true));
                return Tensors.Count - 1;
            }

            private ShapedLayer Node(ResolvedLayer resolved, string path, int[] inputs, int output, List<ParameterModel> parameters, bool hasMask)
            {
                _lastProducer = path;
                return new ShapedLayer(resolved, path, inputs.ToEquatableArray(), output, Tensors[inputs[0]].Shape, Tensors[output].Shape,
                    parameters.ToEquatableArray(), hasMask, EquatableArray<GradientRoute>.Empty);
            }

            public void CheckDuplicateNames(NetworkSpec spec)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach ((string path, LocationInfo? location) in _names)
                {
                    if (!seen.Add(path))
                    {
                        _errors.Add(DiagnosticInfo.Create(DiagnosticIds.DuplicateLayerName, location ?? spec.Location, path));
                        return;
                    }
                }
            }

            /// <summary>
            /// Decides, walking the nodes backwards, which consumer of each tensor writes its gradient
            /// first and which add to it. A view and its input share one gradient, so their consumers
            /// together have one first writer.
            /// </summary>
            public ShapedNetwork Finish(NetworkSpec spec)
            {
                var written = new HashSet<int>();
                var routed = new ShapedLayer[Nodes.Count];
                for (int n = Nodes.Count - 1; n >= 0; n--)
                {
                    ShapedLayer node = Nodes[n];
                    var routes = new GradientRoute[node.Inputs.Count];
                    for (int i = 0; i < routes.Length; i++)
                    {
                        TensorSlot slot = Tensors[node.Inputs[i]];
                        if (node.Resolved is FlattenResolved || !slot.HasGradient) routes[i] = GradientRoute.None;
                        else routes[i] = written.Add(slot.Storage) ? GradientRoute.Write : GradientRoute.Accumulate;
                    }
                    routed[n] = node with { Routes = routes.ToEquatableArray() };
                }
                return new ShapedNetwork(NetworkIdentity.Of(spec), routed.ToEquatableArray(), Tensors.ToEquatableArray(), Summary.ToEquatableArray(),
                    ParameterCount, BufferCount, NonTrainableCount,
                    Planning.Alignment.Align(ParameterLength), Planning.Alignment.Align(BufferLength));
            }
        }

        private static ShapeResult Failed(List<DiagnosticInfo> errors) => new ShapeResult(null, errors.ToEquatableArray());

        private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
