using System.Collections.Generic;
using System.Globalization;
using Cnn.Generators.Shapes;

namespace Cnn.Generators.Layers
{
    /// <summary>What a layer kind's emit rule writes with: names of the tensors and views of the network being emitted.</summary>
    internal sealed class EmitContext
    {
        public const string Backends = "global::Cnn.Backends.";
        public const string TensorType = "global::Cnn.Tensor";

        public EmitContext(ShapedNetwork network) => Network = network;

        public ShapedNetwork Network { get; }

        /// <summary>The value of tensor <paramref name="tensor"/> for the current batch.</summary>
        public string Value(int tensor)
        {
            TensorSlot slot = Network.Tensors[tensor];
            return $"Activation({Num(slot.ValueOffset)}, {Num(slot.Shape.Size)}, batch)";
        }

        /// <summary>The gradient of tensor <paramref name="tensor"/> for the current batch.</summary>
        public string GradientOf(int tensor)
        {
            TensorSlot slot = Network.Tensors[tensor];
            return $"Activation({Num(slot.GradientOffset)}, {Num(slot.Shape.Size)}, batch)";
        }

        /// <summary>The scratch tensor that accumulated gradients go through.</summary>
        public string Scratch(long size) => $"Activation({Num(Network.ScratchOffset)}, {Num(size)}, batch)";

        /// <summary>A strided view into a batch of samples, for concatenation.</summary>
        public string Strided(long perSampleOffset, long width, long start) => $"Strided({Num(perSampleOffset)}, {Num(width)}, batch, {Num(start)})";

        /// <summary>The layer's mask (dropout).</summary>
        public string Mask(ShapedLayer layer) => $"Activation({Num(layer.MaskOffset)}, {Num(layer.InputShape.Size)}, batch)";

        public string Parameter(ParameterModel p) => $"new {TensorType}(_parameters, {Num(p.Offset)}, {Num(p.Length)})";

        public string Gradient(ParameterModel p) => $"new {TensorType}(_gradients, {Num(p.Offset)}, {Num(p.Length)})";

        public string Buffer(ParameterModel p) => $"new {TensorType}(_buffers, {Num(p.Offset)}, {Num(p.Length)})";

        /// <summary>The layer's operator field, e.g. "_layer1_0_conv1Op".</summary>
        public static string Field(ShapedLayer layer) => "_" + layer.Path.Replace('.', '_') + "Op";

        /// <summary>After a contribution went to the scratch tensor, adds it into the input's gradient.</summary>
        public void AddAccumulate(int input, GradientRoute route, List<string> calls)
        {
            if (route != GradientRoute.Accumulate) return;
            string target = GradientOf(input);
            calls.Add($"_backend.Add({target}, {Scratch(Network.Tensors[input].Shape.Size)}, {target});");
        }

        public static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

        public static string Bool(bool value) => value ? "true" : "false";

        public static string Float(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

        /// <summary>A geometry record constructed with named arguments, so that no two ints can swap unnoticed.</summary>
        public static string Geometry(string type, params (string Name, string Value)[] arguments)
        {
            var parts = new List<string>();
            foreach ((string name, string value) in arguments) parts.Add(name + ": " + value);
            return $"new {Backends}{type}({string.Join(", ", parts)})";
        }
    }
}
