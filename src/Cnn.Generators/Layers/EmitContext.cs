using System;
using System.Collections.Generic;
using System.Globalization;
using Cnn.Generators.Planning;
using Cnn.Generators.Shapes;

namespace Cnn.Generators.Layers
{
    /// <summary>What a layer kind's emit rule writes with: names of the tensors and views of the network being emitted.</summary>
    internal sealed class EmitContext
    {
        public const string Backends = "global::Cnn.Backends.";
        public const string TensorType = "global::Cnn.Tensor";

        private readonly string[] _values;
        private readonly Dictionary<string, string> _views = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _masks = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly HashSet<string> _compactMasks = new HashSet<string>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _scratches = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _parameterIndices = new Dictionary<string, int>(StringComparer.Ordinal);

        public EmitContext(ShapedNetwork network, NetworkPlans plans)
        {
            Network = network;
            Plans = plans;
            var used = new HashSet<string>(StringComparer.Ordinal) { "LabelValues" };
            string Unique(string name)
            {
                string unique = name;
                for (int i = 2; !used.Add(unique); i++) unique = name + "_" + i.ToString(CultureInfo.InvariantCulture);
                return unique;
            }

            _values = new string[network.Tensors.Count];
            _values[0] = Unique("NetworkInput");
            for (int i = 0; i < network.Layers.Count; i++)
            {
                ShapedLayer layer = network.Layers[i];
                _values[layer.Output] = Unique(Pascal(layer.Path) + "Output");
                if (layer.HasMask) _masks[layer.Path] = Unique(Pascal(layer.Path) + "Mask");
                if (!plans.Training.KeepsCompactMask(i)) continue;
                _compactMasks.Add(layer.Path);
                _masks[layer.Path] = Unique(Pascal(layer.Path) + layer.Resolved.Rules.CompactMask(layer)!.SlotSuffix);
            }
            for (int i = 0; i < network.Layers.Count; i++)
            {
                if (plans.Training.Scratches[i] >= 0) _scratches[network.Layers[i].Path] = Unique(Pascal(network.Layers[i].Path) + "GradientScratch");
            }
            // Parameter views are public properties: PascalCase of the state_dict name, made unique.
            var properties = new HashSet<string>(StringComparer.Ordinal);
            foreach (ShapedLayer layer in network.Layers)
            {
                foreach (ParameterModel p in layer.Parameters)
                {
                    if (!p.IsBuffer) _parameterIndices[p.Name] = _parameterIndices.Count;
                    string name = Pascal(p.Name), unique = name;
                    for (int i = 2; !properties.Add(unique) || !properties.Add(unique + "Gradient") || used.Contains(unique); i++) unique = name + "_" + i.ToString(CultureInfo.InvariantCulture);
                    _views[p.Name] = unique;
                }
            }
        }

        public ShapedNetwork Network { get; }

        /// <summary>Where every tensor lives, in training and in inference.</summary>
        public NetworkPlans Plans { get; }

        /// <summary>The generated name of a layer's gradient scratch slot, e.g. "Layer1_0_AddGradientScratch".</summary>
        public string ScratchSlot(ShapedLayer layer) => _scratches[layer.Path];

        /// <summary>The generated name of tensor <paramref name="tensor"/>'s value slot, e.g. "Conv1Output".</summary>
        public string ValueSlot(int tensor) => _values[tensor];

        /// <summary>The generated name of tensor <paramref name="tensor"/>'s gradient slot, e.g. "Conv1OutputGradient".</summary>
        public string GradientSlot(int tensor) => _values[tensor] + "Gradient";

        /// <summary>The generated name of a layer's mask slot, e.g. "Dropout1Mask".</summary>
        public string MaskSlot(ShapedLayer layer) => _masks[layer.Path];

        /// <summary>The public view property of a parameter or buffer, e.g. "Conv1Weight" (its gradient's adds "Gradient").</summary>
        public string View(ParameterModel p) => _views[p.Name];

        /// <summary>The value of tensor <paramref name="tensor"/> for the current batch.</summary>
        public string Value(int tensor) => $"Activation({ValueSlot(tensor)}, batch)";

        /// <summary>The gradient of tensor <paramref name="tensor"/> for the current batch.</summary>
        public string GradientOf(int tensor) => $"Activation({GradientSlot(tensor)}, batch)";

        /// <summary>The layer's scratch tensor that its accumulated gradients go through, <paramref name="size"/> values per sample.</summary>
        public string Scratch(ShapedLayer layer, long size) => $"Scratch({ScratchSlot(layer)}, {Num(size)}, batch)";

        /// <summary>A view of a concatenation's output (or its gradient) that starts <paramref name="start"/> values into each sample.</summary>
        public string Strided(string slot, long start) => $"Strided({slot}, batch, {Num(start)})";

        /// <summary>Whether the training plan keeps the layer's compact mask (ReLU bits, max-pool indices) for its backward step.</summary>
        public bool HasCompactMask(ShapedLayer layer) => _compactMasks.Contains(layer.Path);

        /// <summary>The layer's mask (dropout's, or a compact mask).</summary>
        public string Mask(ShapedLayer layer) => $"Activation({MaskSlot(layer)}, batch)";

        public string Parameter(ParameterModel p) => View(p);

        /// <summary>The gradient a backward call writes: empty, so not computed, while the parameter is frozen.</summary>
        public string Gradient(ParameterModel p) => $"GradientUnlessFrozen({Num(ParameterIndex(p))}, {View(p)}Gradient)";

        /// <summary>Whether batch norm trains, given its weight: not while that is frozen and frozen batch norm evaluates.</summary>
        public string BatchNormTraining(ParameterModel weight) => $"BatchNormTraining({Num(ParameterIndex(weight))})";

        /// <summary>The parameter's index in ParameterInfos (and FrozenParameters).</summary>
        public int ParameterIndex(ParameterModel p) => _parameterIndices[p.Name];

        public string Buffer(ParameterModel p) => View(p);

        /// <summary>The layer's operator field, e.g. "_layer1_0_conv1Op".</summary>
        public static string Field(ShapedLayer layer) => "_" + layer.Path.Replace('.', '_') + "Op";

        /// <summary>After a contribution went to the scratch tensor, adds it into the input's gradient.</summary>
        public void AddAccumulate(ShapedLayer layer, int input, GradientRoute route, List<string> calls)
        {
            if (route != GradientRoute.Accumulate) return;
            string target = GradientOf(input);
            calls.Add($"_backend.Add({target}, {Scratch(layer, Network.Tensors[input].Shape.Size)}, {target});");
        }

        /// <summary>"conv1.weight" → "Conv1Weight"; "layer1.0.conv1.weight" → "Layer1_0_Conv1Weight" (numeric segments keep underscores so names stay distinct).</summary>
        public static string Pascal(string name)
        {
            var text = new System.Text.StringBuilder();
            string[] parts = name.Split('.');
            for (int i = 0; i < parts.Length; i++)
            {
                string part = parts[i];
                if (part.Length == 0) continue;
                bool numeric = char.IsDigit(part[0]);
                bool previousNumeric = i > 0 && parts[i - 1].Length > 0 && char.IsDigit(parts[i - 1][0]);
                if (text.Length > 0 && (numeric || previousNumeric)) text.Append('_');
                foreach (string piece in part.Split('_'))
                {
                    if (piece.Length == 0) continue;
                    text.Append(char.ToUpperInvariant(piece[0])).Append(piece, 1, piece.Length - 1);
                }
            }
            if (text.Length == 0 || char.IsDigit(text[0])) text.Insert(0, '_');
            return text.ToString();
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
