using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Model;

namespace Cnn.Generators.Shapes
{
    /// <summary>
    /// Infers every tensor shape of a <see cref="NetworkSpec"/>, expands blocks, and lays out its
    /// buffers. Pure code over plain records (no Roslyn types), so it is unit-tested on its own. Each
    /// layer kind has one method here that states its shape rule, its parameter shapes and its
    /// PyTorch parameter names.
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
            // Later layers would only repeat the first error with shapes that are already wrong.
            if (builder.TopLevel(spec.Layers, 0, new Scope("", new Dictionary<string, int>(), null)) is null) return Failed(errors);
            if (builder.Nodes.Count == 0)
            {
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.NoLayers, spec.Location, spec.ClassName));
                return Failed(errors);
            }
            builder.CheckDuplicateNames(spec);
            if (errors.Count > 0) return Failed(errors);
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
        private sealed class Scope
        {
            public Scope(string prefix, IReadOnlyDictionary<string, int> parameters, LocationInfo? anchor)
            {
                Prefix = prefix;
                Parameters = parameters;
                Anchor = anchor;
            }

            public string Prefix { get; }
            public IReadOnlyDictionary<string, int> Parameters { get; }
            public LocationInfo? Anchor { get; }

            public string PathOf(string name) => Join(Prefix, name);

            public Scope Child(string segment) => new Scope(Join(Prefix, segment), Parameters, Anchor);

            public static string Join(string prefix, string? name)
                => string.IsNullOrEmpty(name) ? prefix : prefix.Length == 0 ? name! : prefix + "." + name;
        }

        /// <summary>Builds the node list and the layout: tensors of the activation arena, parameters and buffers.</summary>
        private sealed class Builder
        {
            private readonly List<DiagnosticInfo> _errors;
            private readonly List<(string Path, LocationInfo? Location)> _names = new List<(string, LocationInfo?)>();

            public Builder(List<DiagnosticInfo> errors, Shape input)
            {
                _errors = errors;
                Tensors.Add(new TensorSlot(input, Reserve(input.Size), -1));
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
            public long NonTrainableCount { get; private set; }
            public long ActivationsPerSample { get; private set; }

            /// <summary>The last layer that set the channel count (null: the input), named when channels do not match.</summary>
            private string? _channelSource;

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
                if (!named)
                {
                    _errors.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidLayerName, location, layer.Name));
                    return null;
                }
                string producer = Nodes.Count == 0 ? "the input" : $"'{Nodes[Nodes.Count - 1].Path}'";
                return layer switch
                {
                    Conv2dSpec conv => Conv2d(conv, input, path, location, producer, scope),
                    Pool2dSpec pool => Pool2d(pool, input, path, location, producer, scope),
                    LinearSpec linear => Linear(linear, input, path, location, producer, scope),
                    ActivationSpec activation => Activation(activation, input, path, location),
                    FlattenSpec flatten => Flatten(flatten, input, path),
                    DropoutSpec dropout => Dropout(dropout, input, path, location),
                    BatchNormSpec norm => BatchNorm(norm, input, path, location, producer),
                    UseSpec use => Use(use, input, path, location, scope),
                    ResidualSpec residual => Residual(residual, input, location, scope),
                    ConcatSpec concat => Concat(concat, input, location, scope),
                    _ => null,
                };
            }

            private int? Conv2d(Conv2dSpec conv, int input, string path, LocationInfo? location, string producer, Scope scope)
            {
                Shape x = Tensors[input].Shape;
                if (x.IsFlat) return ImageLayerOnFlat(conv, path, location, x, producer);
                int? outChannels = Positive(conv, path, location, scope, "outChannels", conv.OutChannels);
                int? kernel = Positive(conv, path, location, scope, "kernelSize", conv.KernelSize);
                int? stride = Positive(conv, path, location, scope, "Stride", conv.Stride);
                int? dilation = Positive(conv, path, location, scope, "Dilation", conv.Dilation);
                int? groups = Positive(conv, path, location, scope, "Groups", conv.Groups);
                int? explicitPadding = NotNegative(conv, path, location, scope, "Padding", conv.Padding);
                int? inChannels = NotNegative(conv, path, location, scope, "InChannels", conv.InChannels);
                if (outChannels is null || kernel is null || stride is null || dilation is null || groups is null || explicitPadding is null || inChannels is null) return null;

                if (inChannels > 0 && inChannels != x.Channels)
                {
                    string fix = _channelSource is null
                        ? $"change [Input] to {Text(inChannels.Value)} channels"
                        : $"give '{_channelSource}' {Text(inChannels.Value)} output channels";
                    _errors.Add(DiagnosticInfo.Create(DiagnosticIds.ChannelMismatch, location, conv.Kind, path, Text(inChannels.Value), producer, Text(x.Channels), fix));
                    return null;
                }
                if (x.Channels % groups.Value != 0 || outChannels.Value % groups.Value != 0)
                {
                    bool inputSide = x.Channels % groups.Value != 0;
                    _errors.Add(DiagnosticInfo.Create(DiagnosticIds.GroupsMismatch, location, path, Text(groups.Value),
                        inputSide ? "input" : "output", Text(inputSide ? x.Channels : outChannels.Value)));
                    return null;
                }

                int effectiveKernel = dilation.Value * (kernel.Value - 1) + 1;
                int padding = explicitPadding.Value;
                if (conv.PaddingMode == PaddingModeSpec.Valid)
                {
                    padding = 0;
                }
                else if (conv.PaddingMode == PaddingModeSpec.Same)
                {
                    if (stride != 1 || effectiveKernel % 2 == 0)
                    {
                        string why = stride != 1 ? $"Stride = {Text(stride.Value)}" : $"an even effective kernel of {Text(effectiveKernel)}";
                        _errors.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidSamePadding, location, path, why));
                        return null;
                    }
                    padding = (effectiveKernel - 1) / 2;
                }

                int paddedHeight = x.Height + 2 * padding, paddedWidth = x.Width + 2 * padding;
                if (effectiveKernel > paddedHeight || effectiveKernel > paddedWidth)
                {
                    _errors.Add(DiagnosticInfo.Create(DiagnosticIds.KernelLargerThanInput, location, conv.Kind, path,
                        Text(effectiveKernel), Text(paddedHeight), Text(paddedWidth), Text(padding)));
                    return null;
                }

                Shape y = Shape.Image(outChannels.Value, (paddedHeight - effectiveKernel) / stride.Value + 1, (paddedWidth - effectiveKernel) / stride.Value + 1);
                int fanIn = x.Channels / groups.Value * kernel.Value * kernel.Value;
                var parameters = new List<ParameterModel>
                {
                    Parameter(path, "weight", ParameterRoleModel.Weight, new[] { outChannels.Value, x.Channels / groups.Value, kernel.Value, kernel.Value }, ParameterInitModel.UniformFanIn, fanIn),
                };
                if (conv.Bias) parameters.Add(Parameter(path, "bias", ParameterRoleModel.Bias, new[] { outChannels.Value }, ParameterInitModel.UniformFanIn, fanIn));
                _channelSource = path;
                return Produce(conv, path, location, input, y, kernel.Value, stride.Value, padding, dilation.Value, groups.Value, parameters);
            }

            private int? Pool2d(Pool2dSpec pool, int input, string path, LocationInfo? location, string producer, Scope scope)
            {
                Shape x = Tensors[input].Shape;
                if (x.IsFlat) return ImageLayerOnFlat(pool, path, location, x, producer);
                if (pool.PoolKind == PoolKindSpec.AdaptiveAverage)
                {
                    int? size = Positive(pool, path, location, scope, "outputSize", pool.KernelSize);
                    if (size is null) return null;
                    return Produce(pool, path, location, input, Shape.Image(x.Channels, size.Value, size.Value), 0, 0, 0, 1, 1, new List<ParameterModel>());
                }

                int? kernel = Positive(pool, path, location, scope, "kernelSize", pool.KernelSize);
                int? strideValue = NotNegative(pool, path, location, scope, "Stride", pool.Stride);
                int? padding = NotNegative(pool, path, location, scope, "Padding", pool.Padding);
                if (kernel is null || strideValue is null || padding is null) return null;
                int stride = strideValue.Value == 0 ? kernel.Value : strideValue.Value;
                if (padding.Value * 2 > kernel.Value)
                {
                    _errors.Add(DiagnosticInfo.Create(DiagnosticIds.PoolPaddingTooLarge, location, pool.Kind, path,
                        Text(padding.Value), Text(kernel.Value), Text(kernel.Value / 2)));
                    return null;
                }
                int paddedHeight = x.Height + 2 * padding.Value, paddedWidth = x.Width + 2 * padding.Value;
                if (kernel.Value > paddedHeight || kernel.Value > paddedWidth)
                {
                    _errors.Add(DiagnosticInfo.Create(DiagnosticIds.SpatialCollapse, location, pool.Kind, path,
                        Text(kernel.Value), Text(x.Height), Text(x.Width)));
                    return null;
                }
                Shape y = Shape.Image(x.Channels,
                    PooledSize(x.Height, kernel.Value, stride, padding.Value, pool.CeilMode),
                    PooledSize(x.Width, kernel.Value, stride, padding.Value, pool.CeilMode));
                return Produce(pool, path, location, input, y, kernel.Value, stride, padding.Value, 1, 1, new List<ParameterModel>());
            }

            /// <summary>PyTorch's pooling output size, including ceil_mode's rule that the last window must start inside the input or its left padding.</summary>
            private static int PooledSize(int size, int kernel, int stride, int padding, bool ceilMode)
            {
                int span = size + 2 * padding - kernel;
                int output = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
                if (ceilMode && (output - 1) * stride >= size + padding) output--;
                return output;
            }

            private int? Linear(LinearSpec linear, int input, string path, LocationInfo? location, string producer, Scope scope)
            {
                Shape x = Tensors[input].Shape;
                if (!x.IsFlat)
                {
                    _errors.Add(DiagnosticInfo.Create(DiagnosticIds.DenseOnImage, location, path,
                        Text(x.Channels), Text(x.Height), Text(x.Width), producer, Text(x.Size)));
                    return null;
                }
                int? outFeatures = Positive(linear, path, location, scope, "outFeatures", linear.OutFeatures);
                int? inFeatures = NotNegative(linear, path, location, scope, "InFeatures", linear.InFeatures);
                if (outFeatures is null || inFeatures is null) return null;
                if (inFeatures > 0 && inFeatures != x.Channels)
                {
                    _errors.Add(DiagnosticInfo.Create(DiagnosticIds.LinearInFeaturesMismatch, location, path,
                        Text(inFeatures.Value), producer, Text(x.Channels)));
                    return null;
                }
                var parameters = new List<ParameterModel>
                {
                    Parameter(path, "weight", ParameterRoleModel.Weight, new[] { outFeatures.Value, x.Channels }, ParameterInitModel.UniformFanIn, x.Channels),
                };
                if (linear.Bias) parameters.Add(Parameter(path, "bias", ParameterRoleModel.Bias, new[] { outFeatures.Value }, ParameterInitModel.UniformFanIn, x.Channels));
                _channelSource = path;
                return Produce(linear, path, location, input, Shape.Flat(outFeatures.Value), 0, 1, 0, 1, 1, parameters);
            }

            private int? Activation(ActivationSpec activation, int input, string path, LocationInfo? location)
            {
                Shape x = Tensors[input].Shape;
                bool perSampleSoftmax = activation.Activation == ActivationKindSpec.Softmax || activation.Activation == ActivationKindSpec.LogSoftmax;
                if (perSampleSoftmax && !x.IsFlat)
                {
                    _errors.Add(DiagnosticInfo.Create(DiagnosticIds.SoftmaxOnImage, location, activation.Kind, path,
                        Text(x.Channels), Text(x.Height), Text(x.Width)));
                    return null;
                }
                return Produce(activation, path, location, input, x, 0, 1, 0, 1, 1, new List<ParameterModel>());
            }

            // Flatten is a view: its output aliases its input's value and gradient, so it costs nothing.
            private int Flatten(FlattenSpec flatten, int input, string path)
            {
                TensorSlot x = Tensors[input];
                Tensors.Add(new TensorSlot(Shape.Flat(checked((int)x.Shape.Size)), x.ValueOffset, x.GradientOffset));
                int output = Tensors.Count - 1;
                Nodes.Add(Node(flatten, path, new[] { input }, output, 0, 1, 0, 1, 1, new List<ParameterModel>(), -1));
                return output;
            }

            private int? Dropout(DropoutSpec dropout, int input, string path, LocationInfo? location)
            {
                if (!(dropout.Probability >= 0 && dropout.Probability < 1))
                {
                    _errors.Add(DiagnosticInfo.Create(DiagnosticIds.DropoutProbability, location, path,
                        dropout.Probability.ToString("R", CultureInfo.InvariantCulture)));
                    return null;
                }
                Shape x = Tensors[input].Shape;
                long mask = Reserve(x.Size);
                return Produce(dropout, path, location, input, x, 0, 1, 0, 1, 1, new List<ParameterModel>(), mask);
            }

            private int? BatchNorm(BatchNormSpec norm, int input, string path, LocationInfo? location, string producer)
            {
                Shape x = Tensors[input].Shape;
                if (x.IsFlat == norm.IsImage)
                {
                    _errors.Add(DiagnosticInfo.Create(DiagnosticIds.BatchNormWrongRank, location, norm.Kind, path, x.ToString(), producer,
                        norm.IsImage ? "BatchNorm1d" : "BatchNorm2d"));
                    return null;
                }
                int channels = x.Channels;
                var parameters = new List<ParameterModel>
                {
                    Parameter(path, "weight", ParameterRoleModel.Weight, new[] { channels }, ParameterInitModel.Ones, 0),
                    Parameter(path, "bias", ParameterRoleModel.Bias, new[] { channels }, ParameterInitModel.Zeros, 0),
                    Parameter(path, "running_mean", ParameterRoleModel.RunningMean, new[] { channels }, ParameterInitModel.Zeros, 0),
                    Parameter(path, "running_var", ParameterRoleModel.RunningVariance, new[] { channels }, ParameterInitModel.Ones, 0),
                    Parameter(path, "num_batches_tracked", ParameterRoleModel.BatchesTracked, new int[0], ParameterInitModel.Zeros, 0),
                };
                NonTrainableCount += 2L * channels;
                return Produce(norm, path, location, input, x, 0, 1, 0, 1, 1, parameters);
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

            private int? Residual(ResidualSpec residual, int input, LocationInfo? location, Scope scope)
            {
                Shape x = Tensors[input].Shape;
                int? main = Sequence(residual.Main, input, scope);
                if (main is null) return null;
                Shape y = Tensors[main.Value].Shape;
                string where = Instance(scope);

                int shortcut = input;
                if (!y.Equals(x))
                {
                    if (residual.Shortcut.Count == 0)
                    {
                        string fix = y.IsFlat || x.IsFlat
                            ? "make the main path keep its input's shape"
                            : $"add [Shortcut(\"downsample\")] with a 1×1 Conv2d to {Text(y.Channels)} channels with stride {Text(Math.Max(1, x.Height / Math.Max(1, y.Height)))} (and a BatchNorm2d), before [EndResidual]";
                        _errors.Add(DiagnosticInfo.Create(DiagnosticIds.ResidualShapeMismatch, location, where, y.ToString(), "the identity shortcut", x.ToString(), fix));
                        return null;
                    }
                    int? projected = Sequence(residual.Shortcut, input, scope.Child(residual.ShortcutName ?? ""));
                    if (projected is null) return null;
                    Shape s = Tensors[projected.Value].Shape;
                    if (!s.Equals(y))
                    {
                        _errors.Add(DiagnosticInfo.Create(DiagnosticIds.ResidualShapeMismatch, location, where, y.ToString(),
                            $"the shortcut '{Scope.Join(scope.Prefix, residual.ShortcutName)}'", s.ToString(), "change the shortcut's channels or stride to match the main path"));
                        return null;
                    }
                    shortcut = projected.Value;
                }
                return Produce(residual, scope.PathOf(residual.Name), location, new[] { main.Value, shortcut }, y);
            }

            private int? Concat(ConcatSpec concat, int input, LocationInfo? location, Scope scope)
            {
                var outputs = new List<int>();
                var names = new List<string>();
                foreach (BranchSpec branch in concat.Branches)
                {
                    int? output = Sequence(branch.Layers, input, scope.Child(branch.Name ?? ""));
                    if (output is null) return null;
                    outputs.Add(output.Value);
                    names.Add(branch.Name is null ? $"#{outputs.Count}" : $"'{branch.Name}'");
                }
                if (outputs.Count == 0) return null;
                Shape first = Tensors[outputs[0]].Shape;
                int channels = 0;
                for (int i = 0; i < outputs.Count; i++)
                {
                    Shape s = Tensors[outputs[i]].Shape;
                    if (s.IsFlat != first.IsFlat || s.Height != first.Height || s.Width != first.Width)
                    {
                        _errors.Add(DiagnosticInfo.Create(DiagnosticIds.ConcatSpatialMismatch, location, Instance(scope), names[i], Spatial(s), names[0], Spatial(first)));
                        return null;
                    }
                    channels += s.Channels;
                }
                Shape y = first.IsFlat ? Shape.Flat(channels) : Shape.Image(channels, first.Height, first.Width);
                return Produce(concat, scope.PathOf(concat.Name), location, outputs.ToArray(), y);
            }

            private static string Spatial(Shape s) => s.IsFlat ? "a flat tensor" : $"{Text(s.Height)}×{Text(s.Width)}";

            private static string Instance(Scope scope) => scope.Prefix.Length == 0 ? "the network" : $"'{scope.Prefix}'";

            private int? ImageLayerOnFlat(LayerSpec layer, string path, LocationInfo? location, Shape x, string producer)
            {
                _errors.Add(DiagnosticInfo.Create(DiagnosticIds.ImageLayerOnFlatInput, location, layer.Kind, path, producer, Text(x.Channels)));
                return null;
            }

            private int? Positive(LayerSpec layer, string path, LocationInfo? location, Scope scope, string argument, SizeArg value)
                => Check(layer, path, location, scope, argument, value, 1, "at least 1");

            private int? NotNegative(LayerSpec layer, string path, LocationInfo? location, Scope scope, string argument, SizeArg value)
                => Check(layer, path, location, scope, argument, value, 0, "0 or more");

            private int? Check(LayerSpec layer, string path, LocationInfo? location, Scope scope, string argument, SizeArg value, int minimum, string rule)
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

            /// <summary>Places a per-sample tensor of the activation arena at the next 64-byte-aligned offset.</summary>
            public long Reserve(long size)
            {
                long offset = Planning.Alignment.Align(ActivationsPerSample);
                ActivationsPerSample = offset + size;
                return offset;
            }

            /// <summary>
            /// Places a parameter, or a buffer when the role is a running statistic, at the next
            /// 64-byte-aligned offset after the previous ones; the counts stay the number of values.
            /// </summary>
            private ParameterModel Parameter(string layer, string suffix, ParameterRoleModel role, int[] dimensions, ParameterInitModel init, int fanIn)
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

            private int Produce(LayerSpec layer, string path, LocationInfo? location, int input, Shape output,
                int kernel, int stride, int padding, int dilation, int groups, List<ParameterModel> parameters, long mask = -1)
            {
                _names.Add((path, location));
                long value = Reserve(output.Size);
                long gradient = Reserve(output.Size);
                Tensors.Add(new TensorSlot(output, value, gradient));
                Nodes.Add(Node(layer, path, new[] { input }, Tensors.Count - 1, kernel, stride, padding, dilation, groups, parameters, mask));
                return Tensors.Count - 1;
            }

            private int Produce(LayerSpec layer, string path, LocationInfo? location, int[] inputs, Shape output)
            {
                _ = location;
                long value = Reserve(output.Size);
                long gradient = Reserve(output.Size);
                Tensors.Add(new TensorSlot(output, value, gradient));
                Nodes.Add(Node(layer, path, inputs, Tensors.Count - 1, 0, 1, 0, 1, 1, new List<ParameterModel>(), -1));
                return Tensors.Count - 1;
            }

            private ShapedLayer Node(LayerSpec layer, string path, int[] inputs, int output, int kernel, int stride, int padding, int dilation, int groups, List<ParameterModel> parameters, long mask)
                => new ShapedLayer(layer, path, inputs.ToEquatableArray(), output, Tensors[inputs[0]].Shape, Tensors[output].Shape,
                    kernel, stride, padding, dilation, groups, parameters.ToEquatableArray(), mask, EquatableArray<GradientRoute>.Empty);

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
            /// first and which add to it, and reserves the scratch tensor that the additions go through.
            /// </summary>
            public ShapedNetwork Finish(NetworkSpec spec)
            {
                var written = new HashSet<long>();
                var routed = new ShapedLayer[Nodes.Count];
                long scratch = 0;
                for (int n = Nodes.Count - 1; n >= 0; n--)
                {
                    ShapedLayer node = Nodes[n];
                    var routes = new GradientRoute[node.Inputs.Count];
                    for (int i = 0; i < routes.Length; i++)
                    {
                        TensorSlot slot = Tensors[node.Inputs[i]];
                        if (node.Spec is FlattenSpec || !slot.HasGradient) routes[i] = GradientRoute.None;
                        else if (written.Add(slot.GradientOffset)) routes[i] = GradientRoute.Write;
                        else
                        {
                            routes[i] = GradientRoute.Accumulate;
                            scratch = Math.Max(scratch, slot.Shape.Size);
                        }
                    }
                    routed[n] = node with { Routes = routes.ToEquatableArray() };
                }
                long scratchOffset = scratch > 0 ? Reserve(scratch) : -1;
                long labels = Reserve(1);
                return new ShapedNetwork(spec, routed.ToEquatableArray(), Tensors.ToEquatableArray(), Summary.ToEquatableArray(),
                    ParameterCount, BufferCount, NonTrainableCount, ActivationsPerSample, scratchOffset, labels,
                    Planning.Alignment.Align(ParameterLength), Planning.Alignment.Align(BufferLength));
            }
        }

        private static ShapeResult Failed(List<DiagnosticInfo> errors) => new ShapeResult(null, errors.ToEquatableArray());

        private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
