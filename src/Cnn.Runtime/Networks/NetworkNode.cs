namespace Cnn;

/// <summary>
/// One node of a network's graph as the generator resolved it at build time: what an exporter
/// (ONNX) needs beyond <see cref="INetwork.Layers"/>. Nodes come in execution order, one per entry
/// of <see cref="INetwork.Layers"/> and with the same name and kind.
/// </summary>
/// <param name="Name">The node's full name, e.g. <c>"layer1.0.conv1"</c>; its parameters are named after it (<see cref="ParameterInfo.Layer"/>).</param>
/// <param name="Kind">The kind, as <see cref="LayerInfo.Kind"/> shows it: <c>"Conv2d"</c>, <c>"Residual"</c>, <c>"Concat"</c>…</param>
/// <param name="Inputs">
/// The nodes whose outputs this one reads, by index into the graph, in order; <see cref="NetworkInput"/>
/// for the network's input. A residual sum reads the main path, then the shortcut; a concatenation
/// reads its branches in declaration order and joins them along channels (features, for flat tensors).
/// </param>
/// <param name="Geometry">
/// The layer's constant shapes for one sample (<c>MaxBatch</c> 1), as the backend receives them:
/// a <see cref="Backends.Conv2dGeometry"/>, <see cref="Backends.LinearGeometry"/>,
/// <see cref="Backends.Pool2dGeometry"/>, <see cref="Backends.ActivationGeometry"/>,
/// <see cref="Backends.BatchNormGeometry"/> or <see cref="Backends.DropoutGeometry"/> (seed 0);
/// null for Flatten, Residual and Concat, which their inputs and output shape describe.
/// </param>
/// <param name="OutputShape">The shape of one sample of the node's output.</param>
public sealed record NetworkNode(string Name, string Kind, IReadOnlyList<int> Inputs, object? Geometry, TensorShape OutputShape)
{
    /// <summary>The input index that stands for the network's input.</summary>
    public const int NetworkInput = -1;
}
