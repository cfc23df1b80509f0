using System.Collections.Generic;
using System.Globalization;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Model;

namespace Cnn.Generators.Shapes
{
    /// <summary>
    /// Infers every tensor shape of a <see cref="NetworkSpec"/> and lays out its buffers. Pure code over
    /// plain records (no Roslyn types), so it is unit-tested on its own. Each layer kind has one method
    /// here that states its shape rule, its parameter shapes and its PyTorch parameter names.
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
            CheckNames(spec, errors);
            if (errors.Count > 0 || spec.Input is null) return Failed(errors);

            InputSpec input = spec.Input;
            if (input.Channels <= 0 || (!input.IsFlat && (input.Height <= 0 || input.Width <= 0)))
            {
                string value = input.IsFlat ? Text(input.Channels) : $"({input.Channels}, {input.Height}, {input.Width})";
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.NonPositiveSize, input.Location, "Input", "input", "shape", value, "positive in every dimension"));
                return Failed(errors);
            }

            var state = new LayoutState(input.IsFlat ? Shape.Flat(input.Channels) : Shape.Image(input.Channels, input.Height, input.Width));
            for (int i = 0; i < spec.Layers.Count; i++)
            {
                LayerSpec layer = spec.Layers[i];
                string producer = i == 0 ? "the input" : $"'{spec.Layers[i - 1].Name}'";
                ShapedLayer? shaped = layer switch
                {
                    Conv2dSpec conv => Conv2d(conv, state, producer, errors),
                    Pool2dSpec pool => Pool2d(pool, state, producer, errors),
                    LinearSpec linear => Linear(linear, state, producer, errors),
                    ActivationSpec activation => Activation(activation, state, errors),
                    FlattenSpec flatten => Flatten(flatten, state),
                    DropoutSpec dropout => Dropout(dropout, state, errors),
                    _ => null,
                };
                // Later layers would only repeat the error with shapes that are already wrong.
                if (shaped is null) return Failed(errors);
                state.Layers.Add(shaped);
            }

            long labels = state.Reserve(1);
            return new ShapeResult(
                new ShapedNetwork(spec, state.Layers.ToEquatableArray(), state.Tensors.ToEquatableArray(), state.ParameterCount, state.BufferCount, state.ActivationsPerSample, labels),
                EquatableArray<DiagnosticInfo>.Empty);
        }

        private static ShapedLayer? Conv2d(Conv2dSpec conv, LayoutState state, string producer, List<DiagnosticInfo> errors)
        {
            Shape x = state.Current.Shape;
            if (x.IsFlat) return ImageLayerOnFlat(conv, x, producer, errors);
            if (!Positive(conv, "outChannels", conv.OutChannels, errors) || !Positive(conv, "kernelSize", conv.KernelSize, errors)
                || !Positive(conv, "Stride", conv.Stride, errors) || !Positive(conv, "Dilation", conv.Dilation, errors)
                || !Positive(conv, "Groups", conv.Groups, errors) || !NotNegative(conv, "Padding", conv.Padding, errors))
            {
                return null;
            }
            if (conv.InChannels > 0 && conv.InChannels != x.Channels)
            {
                string fix = state.ChannelSource is null
                    ? $"change [Input] to {Text(conv.InChannels)} channels"
                    : $"give '{state.ChannelSource}' {Text(conv.InChannels)} output channels";
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.ChannelMismatch, conv.Location, conv.Kind, conv.Name, Text(conv.InChannels), producer, Text(x.Channels), fix));
                return null;
            }
            if (x.Channels % conv.Groups != 0 || conv.OutChannels % conv.Groups != 0)
            {
                bool input = x.Channels % conv.Groups != 0;
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.GroupsMismatch, conv.Location, conv.Name, Text(conv.Groups),
                    input ? "input" : "output", Text(input ? x.Channels : conv.OutChannels)));
                return null;
            }

            int effectiveKernel = conv.Dilation * (conv.KernelSize - 1) + 1;
            int padding = conv.Padding;
            if (conv.PaddingMode == PaddingModeSpec.Valid)
            {
                padding = 0;
            }
            else if (conv.PaddingMode == PaddingModeSpec.Same)
            {
                if (conv.Stride != 1 || effectiveKernel % 2 == 0)
                {
                    string why = conv.Stride != 1 ? $"Stride = {Text(conv.Stride)}" : $"an even effective kernel of {Text(effectiveKernel)}";
                    errors.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidSamePadding, conv.Location, conv.Name, why));
                    return null;
                }
                padding = (effectiveKernel - 1) / 2;
            }

            int paddedHeight = x.Height + 2 * padding, paddedWidth = x.Width + 2 * padding;
            if (effectiveKernel > paddedHeight || effectiveKernel > paddedWidth)
            {
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.KernelLargerThanInput, conv.Location, conv.Kind, conv.Name,
                    Text(effectiveKernel), Text(paddedHeight), Text(paddedWidth), Text(padding)));
                return null;
            }

            Shape y = Shape.Image(conv.OutChannels, (paddedHeight - effectiveKernel) / conv.Stride + 1, (paddedWidth - effectiveKernel) / conv.Stride + 1);
            int fanIn = x.Channels / conv.Groups * conv.KernelSize * conv.KernelSize;
            var parameters = new List<ParameterModel>
            {
                state.Parameter(conv.Name, "weight", ParameterRoleModel.Weight, new[] { conv.OutChannels, x.Channels / conv.Groups, conv.KernelSize, conv.KernelSize }, ParameterInitModel.UniformFanIn, fanIn),
            };
            if (conv.Bias) parameters.Add(state.Parameter(conv.Name, "bias", ParameterRoleModel.Bias, new[] { conv.OutChannels }, ParameterInitModel.UniformFanIn, fanIn));
            state.ChannelSource = conv.Name;
            return state.Produce(conv, y, conv.Stride, padding, parameters);
        }

        private static ShapedLayer? Pool2d(Pool2dSpec pool, LayoutState state, string producer, List<DiagnosticInfo> errors)
        {
            Shape x = state.Current.Shape;
            if (x.IsFlat) return ImageLayerOnFlat(pool, x, producer, errors);
            int stride = pool.Stride == 0 ? pool.KernelSize : pool.Stride;
            if (!Positive(pool, "kernelSize", pool.KernelSize, errors) || !Positive(pool, "Stride", stride, errors)
                || !NotNegative(pool, "Padding", pool.Padding, errors))
            {
                return null;
            }
            if (pool.Padding * 2 > pool.KernelSize)
            {
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.PoolPaddingTooLarge, pool.Location, pool.Kind, pool.Name,
                    Text(pool.Padding), Text(pool.KernelSize), Text(pool.KernelSize / 2)));
                return null;
            }
            int paddedHeight = x.Height + 2 * pool.Padding, paddedWidth = x.Width + 2 * pool.Padding;
            if (pool.KernelSize > paddedHeight || pool.KernelSize > paddedWidth)
            {
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.SpatialCollapse, pool.Location, pool.Kind, pool.Name,
                    Text(pool.KernelSize), Text(x.Height), Text(x.Width)));
                return null;
            }
            Shape y = Shape.Image(x.Channels, (paddedHeight - pool.KernelSize) / stride + 1, (paddedWidth - pool.KernelSize) / stride + 1);
            return state.Produce(pool, y, stride, pool.Padding, new List<ParameterModel>());
        }

        private static ShapedLayer? Linear(LinearSpec linear, LayoutState state, string producer, List<DiagnosticInfo> errors)
        {
            Shape x = state.Current.Shape;
            if (!x.IsFlat)
            {
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.DenseOnImage, linear.Location, linear.Name,
                    Text(x.Channels), Text(x.Height), Text(x.Width), producer, Text(x.Size)));
                return null;
            }
            if (!Positive(linear, "outFeatures", linear.OutFeatures, errors)) return null;
            if (linear.InFeatures > 0 && linear.InFeatures != x.Channels)
            {
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.LinearInFeaturesMismatch, linear.Location, linear.Name,
                    Text(linear.InFeatures), producer, Text(x.Channels)));
                return null;
            }
            var parameters = new List<ParameterModel>
            {
                state.Parameter(linear.Name, "weight", ParameterRoleModel.Weight, new[] { linear.OutFeatures, x.Channels }, ParameterInitModel.UniformFanIn, x.Channels),
            };
            if (linear.Bias) parameters.Add(state.Parameter(linear.Name, "bias", ParameterRoleModel.Bias, new[] { linear.OutFeatures }, ParameterInitModel.UniformFanIn, x.Channels));
            return state.Produce(linear, Shape.Flat(linear.OutFeatures), 1, 0, parameters);
        }

        private static ShapedLayer? Activation(ActivationSpec activation, LayoutState state, List<DiagnosticInfo> errors)
        {
            Shape x = state.Current.Shape;
            bool perSampleSoftmax = activation.Activation == ActivationKindSpec.Softmax || activation.Activation == ActivationKindSpec.LogSoftmax;
            if (perSampleSoftmax && !x.IsFlat)
            {
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.SoftmaxOnImage, activation.Location, activation.Kind, activation.Name,
                    Text(x.Channels), Text(x.Height), Text(x.Width)));
                return null;
            }
            return state.Produce(activation, x, 1, 0, new List<ParameterModel>());
        }

        // Flatten is a view: its output aliases its input's value and gradient, so it costs nothing.
        private static ShapedLayer Flatten(FlattenSpec flatten, LayoutState state)
        {
            TensorSlot x = state.Current;
            var alias = new TensorSlot(Shape.Flat(checked((int)x.Shape.Size)), x.ValueOffset, x.GradientOffset);
            return state.Alias(flatten, alias);
        }

        private static ShapedLayer? Dropout(DropoutSpec dropout, LayoutState state, List<DiagnosticInfo> errors)
        {
            if (!(dropout.Probability >= 0 && dropout.Probability < 1))
            {
                errors.Add(DiagnosticInfo.Create(DiagnosticIds.DropoutProbability, dropout.Location, dropout.Name,
                    dropout.Probability.ToString("R", CultureInfo.InvariantCulture)));
                return null;
            }
            Shape x = state.Current.Shape;
            long mask = state.Reserve(x.Size);
            return state.Produce(dropout, x, 1, 0, new List<ParameterModel>()) with { MaskOffset = mask };
        }

        private static ShapedLayer? ImageLayerOnFlat(LayerSpec layer, Shape x, string producer, List<DiagnosticInfo> errors)
        {
            errors.Add(DiagnosticInfo.Create(DiagnosticIds.ImageLayerOnFlatInput, layer.Location, layer.Kind, layer.Name, producer, Text(x.Channels)));
            return null;
        }

        private static void CheckNames(NetworkSpec spec, List<DiagnosticInfo> errors)
        {
            var seen = new HashSet<string>();
            foreach (LayerSpec layer in spec.Layers)
            {
                if (!IsValidName(layer.Name))
                {
                    errors.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidLayerName, layer.Location, layer.Name));
                }
                else if (!seen.Add(layer.Name))
                {
                    errors.Add(DiagnosticInfo.Create(DiagnosticIds.DuplicateLayerName, layer.Location, layer.Name));
                }
            }
        }

        public static bool IsValidName(string name)
        {
            if (string.IsNullOrEmpty(name) || !(char.IsLetter(name[0]) && name[0] < 128)) return false;
            foreach (char c in name)
            {
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
                if (!ok) return false;
            }
            return true;
        }

        private static bool Positive(LayerSpec layer, string argument, int value, List<DiagnosticInfo> errors)
        {
            if (value > 0) return true;
            errors.Add(DiagnosticInfo.Create(DiagnosticIds.NonPositiveSize, layer.Location, layer.Kind, layer.Name, argument, Text(value), "at least 1"));
            return false;
        }

        private static bool NotNegative(LayerSpec layer, string argument, int value, List<DiagnosticInfo> errors)
        {
            if (value >= 0) return true;
            errors.Add(DiagnosticInfo.Create(DiagnosticIds.NonPositiveSize, layer.Location, layer.Kind, layer.Name, argument, Text(value), "0 or more"));
            return false;
        }

        private static ShapeResult Failed(List<DiagnosticInfo> errors) => new ShapeResult(null, errors.ToEquatableArray());

        private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>The growing layout: tensors of the activation arena and the parameter buffer.</summary>
        private sealed class LayoutState
        {
            public LayoutState(Shape input)
            {
                Tensors.Add(new TensorSlot(input, Reserve(input.Size), -1));
            }

            public List<TensorSlot> Tensors { get; } = new List<TensorSlot>();

            public List<ShapedLayer> Layers { get; } = new List<ShapedLayer>();

            public long ParameterCount { get; private set; }

            public long BufferCount { get; private set; }

            public long ActivationsPerSample { get; private set; }

            public TensorSlot Current => Tensors[Tensors.Count - 1];

            /// <summary>The last layer that set the channel count (null: the input), named when channels do not match.</summary>
            public string? ChannelSource { get; set; }

            public long Reserve(long size)
            {
                long offset = ActivationsPerSample;
                ActivationsPerSample += size;
                return offset;
            }

            /// <summary>Places a parameter, or a buffer when the role is a running statistic, after the previous ones.</summary>
            public ParameterModel Parameter(string layer, string suffix, ParameterRoleModel role, int[] dimensions, ParameterInitModel init, int fanIn)
            {
                long length = 1;
                foreach (int d in dimensions) length *= d;
                bool isBuffer = role >= ParameterRoleModel.RunningMean;
                long offset = isBuffer ? BufferCount : ParameterCount;
                var parameter = new ParameterModel(layer + "." + suffix, layer, role, dimensions.ToEquatableArray(), offset, checked((int)length), init, fanIn);
                if (isBuffer) BufferCount += length;
                else ParameterCount += length;
                return parameter;
            }

            public ShapedLayer Produce(LayerSpec layer, Shape output, int stride, int padding, List<ParameterModel> parameters)
            {
                int input = Tensors.Count - 1;
                long value = Reserve(output.Size);
                long gradient = Reserve(output.Size);
                Tensors.Add(new TensorSlot(output, value, gradient));
                return new ShapedLayer(layer, input, Tensors.Count - 1, Tensors[input].Shape, output, stride, padding, parameters.ToEquatableArray(), -1);
            }

            public ShapedLayer Alias(LayerSpec layer, TensorSlot output)
            {
                int input = Tensors.Count - 1;
                Tensors.Add(output);
                return new ShapedLayer(layer, input, Tensors.Count - 1, Tensors[input].Shape, output.Shape, 1, 0, EquatableArray<ParameterModel>.Empty, -1);
            }
        }
    }
}
