using System.Collections.Generic;
using System.Globalization;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Model;
using Cnn.Generators.Shapes;

namespace Cnn.Generators.Layers
{
    /// <summary>
    /// What a layer kind's shape rule sees of the network being inferred: its input, its name and
    /// where to report, the size checks, and how to add its node and parameters.
    /// </summary>
    internal sealed class LayerContext
    {
        private readonly ShapeInference.Builder _builder;
        private readonly ShapeInference.Scope _scope;

        internal LayerContext(ShapeInference.Builder builder, ShapeInference.Scope scope, LayerSpec spec, string path, LocationInfo? location, string producer, int input)
        {
            _builder = builder;
            _scope = scope;
            Spec = spec;
            Path = path;
            Location = location;
            Producer = producer;
            Input = input;
        }

        public LayerSpec Spec { get; }

        /// <summary>The layer's full name, e.g. "layer1.0.conv1".</summary>
        public string Path { get; }

        /// <summary>The attribute that errors point at.</summary>
        public LocationInfo? Location { get; }

        /// <summary>What produced the input, for messages: "the input" or "'conv1'".</summary>
        public string Producer { get; }

        /// <summary>The input tensor's index.</summary>
        public int Input { get; }

        public Shape InputShape => _builder.Tensors[Input].Shape;

        /// <summary>The last layer that set the channel count (null: the input), named when channels do not match.</summary>
        public string? ChannelSource => _builder.ChannelSource;

        /// <summary>Records that this layer sets the channel count from here on.</summary>
        public void SetsChannels() => SetChannelSource(Path, false);

        /// <summary>Restores (or sets) what set the channel count, e.g. after a residual's shortcut.</summary>
        public void SetChannelSource(string? source, bool isConcat)
        {
            _builder.ChannelSource = source;
            _builder.ChannelSourceIsConcat = isConcat;
        }

        public bool ChannelSourceIsConcat => _builder.ChannelSourceIsConcat;

        /// <summary>How to make <paramref name="channels"/> channels arrive here: the fix that CNN0004 suggests.</summary>
        public string ChannelFix(int channels)
            => ChannelSource is null ? $"change [Input] to {Text(channels)} channels"
                : ChannelSourceIsConcat ? $"make the branches of '{ChannelSource}' give {Text(channels)} channels in total"
                : $"give '{ChannelSource}' {Text(channels)} output channels";

        /// <summary>Evaluates a size that must be at least 1, reporting it (by the argument that gave it, else <paramref name="argument"/>) otherwise.</summary>
        public int? Positive(string argument, SizeArg value) => _builder.Check(Spec, Path, Location, _scope, value.Argument ?? argument, value, 1, "at least 1");

        /// <summary>Evaluates a size that must be 0 or more, reporting it (by the argument that gave it, else <paramref name="argument"/>) otherwise.</summary>
        public int? NotNegative(string argument, SizeArg value) => _builder.Check(Spec, Path, Location, _scope, value.Argument ?? argument, value, 0, "0 or more");

        /// <summary>A per-axis size pair, each at least 1; a value that both axes share (kernelSize) is evaluated and reported once.</summary>
        public (int? Height, int? Width) Positive(string argument, SizeArg height, SizeArg width)
        {
            int? h = Positive(argument, height);
            return (h, width == height ? h : Positive(argument, width));
        }

        /// <summary>A per-axis size pair, each 0 or more; a value that both axes share (Padding) is evaluated and reported once.</summary>
        public (int? Height, int? Width) NotNegative(string argument, SizeArg height, SizeArg width)
        {
            int? h = NotNegative(argument, height);
            return (h, width == height ? h : NotNegative(argument, width));
        }

        /// <summary>Reports an error at the layer's attribute; returns null, for "return context.Error(...)".</summary>
        public int? Error(string id, params string[] arguments)
        {
            _builder.Errors.Add(DiagnosticInfo.Create(id, Location, arguments));
            return null;
        }

        /// <summary>
        /// After an error: the shape the layer declares it produces (a Linear's features, a convolution's
        /// channels and window arithmetic), so that inference goes on and reports the network's other
        /// mistakes in the same build. Only for errors that leave that shape certain; returns the
        /// stand-in output's index.
        /// </summary>
        public int Assume(Shape output) => _builder.Assume(Path, output);

        /// <summary>The layer's parameter <paramref name="suffix"/> ("weight"), placed 64-byte aligned after the previous ones.</summary>
        public ParameterModel Parameter(string suffix, ParameterRoleModel role, int[] dimensions, ParameterInitModel init, int fanIn)
            => _builder.Parameter(Path, suffix, role, dimensions, init, fanIn);

        /// <summary>Values that Keras counts as non-trainable parameters (batch norm's running statistics).</summary>
        public void AddNonTrainable(long count) => _builder.NonTrainableCount += count;

        /// <summary>
        /// Adds the node with a new output tensor (value and gradient); returns the output's index.
        /// <paramref name="hasMask"/>: the layer keeps a mask of its input's size for its backward pass (Dropout).
        /// </summary>
        public int Produce(ResolvedLayer resolved, Shape output, List<ParameterModel>? parameters = null, bool hasMask = false)
            => _builder.Produce(resolved, Path, Location, Input, output, parameters ?? new List<ParameterModel>(), hasMask);

        /// <summary>Adds a node whose output is a view of its input (same value and gradient).</summary>
        public int Alias(ResolvedLayer resolved, Shape output) => _builder.Alias(resolved, Path, Input, output);

        /// <summary>The shape of tensor <paramref name="tensor"/>.</summary>
        public Shape ShapeOf(int tensor) => _builder.Tensors[tensor].Shape;

        /// <summary>The block instance the layer is in, for messages: "the network" or "'layer1.0'".</summary>
        public string Instance => (_scope.Prefix.Length == 0 ? "the network" : $"'{_scope.Prefix}'") + (_scope.Branch is null ? "" : $" ({_scope.Branch})");

        /// <summary>A name inside the current scope: "layer1.0" + "downsample".</summary>
        public string Join(string? name) => ShapeInference.Scope.Join(_scope.Prefix, name);

        /// <summary>
        /// Infers a nested sequence (a residual path, a concat branch) from <paramref name="input"/>;
        /// a non-null <paramref name="segment"/> adds a name segment ("downsample").
        /// </summary>
        public int? Sequence(EquatableArray<LayerSpec> layers, int input, string? segment, string? branch = null)
            => _builder.Sequence(layers, input, segment is null ? _scope : _scope.Child(segment, branch));

        /// <summary>Adds a node over several inputs (a sum, a concatenation) with a new output tensor.</summary>
        public int Combine(ResolvedLayer resolved, int[] inputs, Shape output) => _builder.Combine(resolved, _scope.PathOf(Spec.Name), inputs, output);

        public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>A window size for messages: "3×3", "1×7".</summary>
        public static string Area(int height, int width) => Text(height) + "×" + Text(width);

        /// <summary>A per-axis value for messages: "1" when both axes agree, "(0, 3)" otherwise.</summary>
        public static string Pair(int height, int width) => height == width ? Text(height) : $"({Text(height)}, {Text(width)})";
    }
}
