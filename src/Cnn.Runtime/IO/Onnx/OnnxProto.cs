namespace Cnn.IO.Onnx;

/// <summary>
/// The messages of onnx.proto that an exported network uses, by their field numbers in the ONNX
/// specification (onnx/onnx.proto, IR version 8): model, graph, node, attribute, tensor and value
/// info. Each builds a <see cref="ProtoMessage"/>; nothing here knows about networks.
/// </summary>
internal static class OnnxProto
{
    /// <summary>The IR version of opsets 13 to 17 (ONNX 1.8 to 1.12).</summary>
    public const long IrVersion = 8;

    /// <summary>TensorProto.DataType.FLOAT.</summary>
    public const int Float = 1;

    private const int AttributeFloat = 1, AttributeInt = 2, AttributeInts = 7;

    /// <summary>ModelProto: IR version, producer, the default-domain opset, the graph and the metadata strings.</summary>
    public static ProtoMessage Model(ProtoMessage graph, long opset, string producer, string producerVersion, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        var model = new ProtoMessage()
            .Int64(1, IrVersion)
            .String(2, producer)
            .String(3, producerVersion)
            .Message(8, new ProtoMessage().String(1, "").Int64(2, opset))
            .Message(7, graph);
        foreach (KeyValuePair<string, string> pair in metadata)
            model.Message(14, new ProtoMessage().String(1, pair.Key).String(2, pair.Value));
        return model;
    }

    /// <summary>GraphProto: nodes (in topological order), name, initializers, inputs and outputs.</summary>
    public static ProtoMessage Graph(string name, IEnumerable<ProtoMessage> nodes, IEnumerable<ProtoMessage> initializers, ProtoMessage input, ProtoMessage output)
    {
        var graph = new ProtoMessage();
        foreach (ProtoMessage node in nodes) graph.Message(1, node);
        graph.String(2, name);
        foreach (ProtoMessage initializer in initializers) graph.Message(5, initializer);
        graph.Message(11, input);
        graph.Message(12, output);
        return graph;
    }

    /// <summary>NodeProto of the default domain.</summary>
    public static ProtoMessage Node(string opType, string name, IEnumerable<string> inputs, string output, params ProtoMessage[] attributes)
    {
        var node = new ProtoMessage();
        foreach (string input in inputs) node.String(1, input);
        node.String(2, output).String(3, name).String(4, opType);
        foreach (ProtoMessage attribute in attributes) node.Message(5, attribute);
        return node;
    }

    public static ProtoMessage Attribute(string name, long value) => new ProtoMessage().String(1, name).Int64(3, value).Int64(20, AttributeInt);

    public static ProtoMessage Attribute(string name, float value) => new ProtoMessage().String(1, name).Float(2, value).Int64(20, AttributeFloat);

    public static ProtoMessage Attribute(string name, params long[] values)
    {
        var attribute = new ProtoMessage().String(1, name);
        // Repeated scalars of proto2 (onnx.proto is proto2): one field per value, unpacked.
        foreach (long value in values) attribute.Int64(8, value);
        return attribute.Int64(20, AttributeInts);
    }

    /// <summary>TensorProto of float32 values, little-endian in raw_data.</summary>
    public static ProtoMessage FloatTensor(string name, IReadOnlyList<long> dimensions, ReadOnlyMemory<byte> raw)
    {
        var tensor = new ProtoMessage();
        foreach (long dimension in dimensions) tensor.Int64(1, dimension);
        return tensor.Int64(2, Float).String(8, name).Bytes(9, raw);
    }

    /// <summary>
    /// ValueInfoProto of a float tensor whose first axis is <paramref name="batch"/>: a symbolic
    /// dimension (dim_param) when it is a name, else the fixed size <paramref name="fixedBatch"/>.
    /// </summary>
    public static ProtoMessage FloatValue(string name, string? batch, long fixedBatch, IReadOnlyList<long> sampleDimensions)
    {
        var shape = new ProtoMessage();
        shape.Message(1, batch is null ? new ProtoMessage().Int64(1, fixedBatch) : new ProtoMessage().String(2, batch));
        foreach (long dimension in sampleDimensions) shape.Message(1, new ProtoMessage().Int64(1, dimension));
        var tensorType = new ProtoMessage().Int64(1, Float).Message(2, shape);
        return new ProtoMessage().String(1, name).Message(2, new ProtoMessage().Message(1, tensorType));
    }
}
