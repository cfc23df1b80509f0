using Cnn.Backends;

namespace Cnn.IO.Onnx;

/// <summary>
/// Turns a network's <see cref="INetwork.Graph"/> into an ONNX graph for inference: one or a few
/// standard operators per node, parameters and running statistics as initializers under their
/// state_dict names, batch norm in its inference form and dropout removed. A node that ONNX cannot
/// express exactly throws <see cref="OnnxExportException"/> naming it.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>The graph's input and output names.</summary>
    public const string InputName = "input", OutputName = "output";

    private readonly INetwork _network;
    private readonly Dictionary<(string Layer, ParameterRole Role), (ParameterInfo Info, byte[] Arena)> _parameters = [];
    private readonly List<ProtoMessage> _nodes = [];
    private readonly List<ProtoMessage> _initializers = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal) { InputName, OutputName };

    /// <param name="network">The network, whose graph and parameter lists are read.</param>
    /// <param name="parameters">The parameter arena, as little-endian float32 bytes.</param>
    /// <param name="buffers">The buffers arena (running statistics), likewise.</param>
    public OnnxGraphBuilder(INetwork network, byte[] parameters, byte[] buffers)
    {
        _network = network;
        foreach (ParameterInfo p in network.ParameterInfos) _parameters[(p.Layer, p.Role)] = (p, parameters);
        foreach (ParameterInfo b in network.BufferInfos) _parameters[(b.Layer, b.Role)] = (b, buffers);
    }

    /// <summary>Builds the GraphProto; <paramref name="batch"/> names the dynamic batch axis, or null for <paramref name="fixedBatch"/>.</summary>
    public ProtoMessage Build(string? batch, long fixedBatch)
    {
        IReadOnlyList<NetworkNode> graph = _network.Graph;
        if (graph.Count == 0) throw new InvalidOperationException($"{_network.ArchitectureName} has no layers to export.");
        var values = new string[graph.Count];
        for (int i = 0; i < graph.Count; i++)
        {
            NetworkNode node = graph[i];
            string[] inputs = node.Inputs.Select(j => j == NetworkNode.NetworkInput ? InputName : values[j]).ToArray();
            values[i] = Add(node, inputs, i == graph.Count - 1 ? OutputName : Unique(node.Name));
        }
        // The last node was removed (dropout): its input becomes the output.
        if (values[^1] != OutputName) _nodes.Add(OnnxProto.Node("Identity", Unique(graph[^1].Name + "/identity"), [values[^1]], OutputName));

        ProtoMessage input = OnnxProto.FloatValue(InputName, batch, fixedBatch, Dimensions(_network.InputShape));
        ProtoMessage output = OnnxProto.FloatValue(OutputName, batch, fixedBatch, Dimensions(graph[^1].OutputShape));
        return OnnxProto.Graph(_network.ArchitectureName, _nodes, _initializers, input, output);
    }

    /// <summary>Adds the operators of <paramref name="node"/>; returns the name of the value that holds its output.</summary>
    private string Add(NetworkNode node, string[] inputs, string output)
    {
        switch (node.Geometry)
        {
            case Conv2dGeometry g:
                Op("Conv", node.Name, [inputs[0], .. Weights(node, g.HasBias)], output,
                    OnnxProto.Attribute("dilations", g.DilationHeight, g.DilationWidth),
                    OnnxProto.Attribute("group", (long)g.Groups),
                    OnnxProto.Attribute("kernel_shape", g.KernelHeight, g.KernelWidth),
                    OnnxProto.Attribute("pads", g.PaddingHeight, g.PaddingWidth, g.PaddingHeight, g.PaddingWidth),
                    OnnxProto.Attribute("strides", g.StrideHeight, g.StrideWidth));
                return output;
            case LinearGeometry g:
                Op("Gemm", node.Name, [inputs[0], .. Weights(node, g.HasBias)], output, OnnxProto.Attribute("transB", 1L));
                return output;
            case Pool2dGeometry g:
                return Pool(node, g, inputs[0], output);
            case ActivationGeometry g:
                return Activation(node, g, inputs[0], output);
            case BatchNormGeometry g:
                // Inference form: normalised with the running statistics (training_mode 0, the default).
                Op("BatchNormalization", node.Name,
                    [inputs[0], Initializer(node, ParameterRole.Weight), Initializer(node, ParameterRole.Bias),
                        Initializer(node, ParameterRole.RunningMean), Initializer(node, ParameterRole.RunningVariance)],
                    output, OnnxProto.Attribute("epsilon", g.Epsilon));
                return output;
            case DropoutGeometry:
                return inputs[0]; // the identity at inference
            case null when node.Kind == "Flatten":
                Op("Flatten", node.Name, inputs, output, OnnxProto.Attribute("axis", 1L));
                return output;
            case null when node.Kind == "Residual":
                Op("Add", node.Name, inputs, output);
                return output;
            case null when node.Kind == "Concat":
                Op("Concat", node.Name, inputs, output, OnnxProto.Attribute("axis", 1L));
                return output;
            default:
                throw Unsupported(node, $"is a {node.Kind}, which the ONNX exporter does not know.");
        }
    }

    /// <summary>
    /// Max and average pooling with PyTorch's ceil_mode written as explicit end padding (ONNX
    /// ignores padding in a maximum and, without count_include_pad, in an average), so that the
    /// output size never depends on a runtime's reading of ceil_mode.
    /// </summary>
    private string Pool(NetworkNode node, Pool2dGeometry g, string input, string output)
    {
        if (g.Kind == PoolKind.AdaptiveAverage)
        {
            if (g.OutHeight == 1 && g.OutWidth == 1)
            {
                Op("GlobalAveragePool", node.Name, [input], output);
                return output;
            }
            if (g.InHeight % g.OutHeight != 0 || g.InWidth % g.OutWidth != 0)
            {
                throw Unsupported(node, $"pools {g.InHeight}×{g.InWidth} to {g.OutHeight}×{g.OutWidth}, windows of unequal sizes that no ONNX operator computes; " +
                    "give it an input whose height and width are multiples of the output size, or use AvgPool2d.");
            }
            int kh = g.InHeight / g.OutHeight, kw = g.InWidth / g.OutWidth;
            Op("AveragePool", node.Name, [input], output,
                OnnxProto.Attribute("kernel_shape", kh, kw), OnnxProto.Attribute("strides", kh, kw));
            return output;
        }

        int endHeight = EndPadding(g.InHeight, g.OutHeight, g.KernelHeight, g.StrideHeight, g.PaddingHeight);
        int endWidth = EndPadding(g.InWidth, g.OutWidth, g.KernelWidth, g.StrideWidth, g.PaddingWidth);
        bool overhangs = endHeight > g.PaddingHeight || endWidth > g.PaddingWidth;
        ProtoMessage[] window =
        [
            OnnxProto.Attribute("kernel_shape", g.KernelHeight, g.KernelWidth),
            OnnxProto.Attribute("pads", g.PaddingHeight, g.PaddingWidth, endHeight, endWidth),
            OnnxProto.Attribute("strides", g.StrideHeight, g.StrideWidth),
        ];
        if (g.Kind == PoolKind.Max)
        {
            Op("MaxPool", node.Name, [input], output, window);
            return output;
        }
        if (overhangs && g.CountIncludePad)
        {
            throw Unsupported(node, "has CeilMode windows that run past the padded input, which PyTorch divides by the window clipped to it and ONNX's " +
                "AveragePool by the whole window; set CountIncludePad = false, or choose a size, stride and padding whose windows fit.");
        }
        ProtoMessage includePad = OnnxProto.Attribute("count_include_pad", g.CountIncludePad ? 1L : 0L);
        if (g.Kind == PoolKind.Average)
        {
            Op("AveragePool", node.Name, [input], output, [.. window, includePad]);
            return output;
        }
        // Sum: the average over the whole window (padding included) times its area.
        string average = Unique(node.Name + "/average");
        Op("AveragePool", average, [input], average, [.. window, includePad]);
        Op("Mul", node.Name, [average, Constant(node, "area", g.KernelHeight * g.KernelWidth)], output);
        return output;
    }

    /// <summary>The end padding that makes a floor-mode window count give <paramref name="output"/>: PyTorch's own padding unless ceil_mode added a window.</summary>
    private static int EndPadding(int input, int output, int kernel, int stride, int padding)
        => Math.Max(padding, (output - 1) * stride + kernel - input - padding);

    private string Activation(NetworkNode node, ActivationGeometry g, string input, string output)
    {
        switch (g.Kind)
        {
            case ActivationKind.ReLU: Op("Relu", node.Name, [input], output); break;
            case ActivationKind.Tanh: Op("Tanh", node.Name, [input], output); break;
            case ActivationKind.Sigmoid: Op("Sigmoid", node.Name, [input], output); break;
            case ActivationKind.LeakyReLU: Op("LeakyRelu", node.Name, [input], output, OnnxProto.Attribute("alpha", g.NegativeSlope)); break;
            // Softmax and LogSoftmax act on flat [batch, features] tensors (the generator requires it).
            case ActivationKind.Softmax: Op("Softmax", node.Name, [input], output, OnnxProto.Attribute("axis", 1L)); break;
            case ActivationKind.LogSoftmax: Op("LogSoftmax", node.Name, [input], output, OnnxProto.Attribute("axis", 1L)); break;
            case ActivationKind.SiLU:
            {
                // x·σ(x), as torch.onnx writes SiLU.
                string sigmoid = Unique(node.Name + "/sigmoid");
                Op("Sigmoid", sigmoid, [input], sigmoid);
                Op("Mul", node.Name, [input, sigmoid], output);
                break;
            }
            case ActivationKind.GELU:
            {
                // x·½(1 + erf(x/√2)), GELU's exact form, as torch.onnx writes it.
                string scaled = Unique(node.Name + "/div"), erf = Unique(node.Name + "/erf"), shifted = Unique(node.Name + "/add"), product = Unique(node.Name + "/mul");
                Op("Div", scaled, [input, Constant(node, "sqrt2", MathF.Sqrt(2))], scaled);
                Op("Erf", erf, [scaled], erf);
                Op("Add", shifted, [erf, Constant(node, "one", 1)], shifted);
                Op("Mul", product, [input, shifted], product);
                Op("Mul", node.Name, [product, Constant(node, "half", 0.5f)], output);
                break;
            }
            default:
                throw Unsupported(node, $"is a {g.Kind} activation, which the ONNX exporter does not know.");
        }
        return output;
    }

    private void Op(string opType, string name, string[] inputs, string output, params ProtoMessage[] attributes)
        => _nodes.Add(OnnxProto.Node(opType, name, inputs, output, attributes));

    /// <summary>The weight, and the bias when the layer has one, as initializers.</summary>
    private string[] Weights(NetworkNode node, bool hasBias)
        => hasBias ? [Initializer(node, ParameterRole.Weight), Initializer(node, ParameterRole.Bias)] : [Initializer(node, ParameterRole.Weight)];

    /// <summary>Adds the node's parameter or buffer of <paramref name="role"/> as an initializer under its state_dict name.</summary>
    private string Initializer(NetworkNode node, ParameterRole role)
    {
        if (!_parameters.TryGetValue((node.Name, role), out (ParameterInfo Info, byte[] Arena) found))
            throw new InvalidOperationException($"{_network.ArchitectureName}'s layer '{node.Name}' ({node.Kind}) has no {role} in its parameter list.");
        ParameterInfo p = found.Info;
        if (!_names.Add(p.Name)) throw new InvalidOperationException($"{_network.ArchitectureName} names two tensors '{p.Name}'.");
        _initializers.Add(OnnxProto.FloatTensor(p.Name, p.Shape.Select(d => (long)d).ToArray(),
            found.Arena.AsMemory(checked((int)(p.Offset * sizeof(float))), p.Length * sizeof(float))));
        return p.Name;
    }

    /// <summary>A scalar constant of one node, as an initializer named "{node}/{what}".</summary>
    private string Constant(NetworkNode node, string what, float value)
    {
        string name = Unique(node.Name + "/" + what);
        _initializers.Add(OnnxProto.FloatTensor(name, [], BitConverter.GetBytes(value)));
        return name;
    }

    private string Unique(string name)
    {
        string unique = name;
        for (int i = 2; !_names.Add(unique); i++) unique = $"{name}_{i}";
        return unique;
    }

    private OnnxExportException Unsupported(NetworkNode node, string reason) => new(_network.ArchitectureName, node.Name, reason);

    private static long[] Dimensions(TensorShape shape) => shape.IsFlat ? [shape.Channels] : [shape.Channels, shape.Height, shape.Width];
}
