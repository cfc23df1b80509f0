using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Layers;
using Cnn.Generators.Model;

namespace Cnn.Generators.Shapes
{
    /// <summary>
    /// A network with every shape inferred and its parameters laid out, as a list of nodes in
    /// execution order (blocks expanded, residual sums and concatenations as nodes of their own). The
    /// activation arena is not laid out here: the execution planner places every value, gradient and
    /// mask by liveness. Every parameter offset is a multiple of 16 floats (64 bytes);
    /// <see cref="ParameterLength"/> and <see cref="BufferLength"/> are the padded lengths of the
    /// parameter and buffers arenas, where <see cref="ParameterCount"/> and <see cref="BufferCount"/>
    /// count values.
    /// </summary>
    internal sealed record ShapedNetwork(
        NetworkIdentity Identity,
        EquatableArray<ShapedLayer> Layers,
        EquatableArray<TensorSlot> Tensors,
        EquatableArray<SummaryRow> Summary,
        long ParameterCount,
        long BufferCount,
        long NonTrainableCount,
        long ParameterLength,
        long BufferLength)
    {
        public TensorSlot InputTensor => Tensors[0];

        public TensorSlot OutputTensor => Tensors[Layers[Layers.Count - 1].Output];
    }

    /// <summary>
    /// One tensor of the network: its shape; <paramref name="Storage"/>, the index of the tensor whose
    /// value and gradient it is (its own index, unless it is a view such as Flatten's output, which
    /// shares its input's); and whether it has a gradient (every tensor but the network input does).
    /// </summary>
    internal sealed record TensorSlot(Shape Shape, int Storage, bool HasGradient);

    /// <summary>How a node's backward pass delivers the gradient of one of its inputs.</summary>
    internal enum GradientRoute
    {
        /// <summary>The input needs no gradient (it is the network input).</summary>
        None = 0,
        /// <summary>This is the first contribution in backward order: overwrite the input's gradient.</summary>
        Write = 1,
        /// <summary>Another consumer already wrote it: add this contribution (through the scratch tensor).</summary>
        Accumulate = 2,
    }

    /// <summary>
    /// One node: what shape inference resolved for it (one record type per layer kind, the runtime
    /// geometry's twin), its full name, tensor indices, its parameters, whether it keeps a mask for
    /// its backward pass (Dropout's), and its gradient routes. It holds no location: moving the layer's attribute does not change it.
    /// </summary>
    internal sealed record ShapedLayer(
        ResolvedLayer Resolved,
        string Path,
        EquatableArray<int> Inputs,
        int Output,
        Shape InputShape,
        Shape OutputShape,
        EquatableArray<ParameterModel> Parameters,
        bool HasMask,
        EquatableArray<GradientRoute> Routes)
    {
        public int Input => Inputs[0];

        /// <summary>The kind as the summary and layer list show it.</summary>
        public string Kind => Resolved.Kind;

        public long ParameterCount
        {
            get
            {
                long count = 0;
                foreach (ParameterModel p in Parameters)
                {
                    if (!p.IsBuffer) count += p.Length;
                }
                return count;
            }
        }
    }

    /// <summary>One row of the compile-time summary: a top-level layer or block instance.</summary>
    internal sealed record SummaryRow(string Name, string Kind, Shape Output, long Parameters);

    internal enum ParameterInitModel
    {
        UniformFanIn = 0,
        Zeros = 1,
        Ones = 2,
    }

    /// <summary>Mirrors the runtime's ParameterRole.</summary>
    internal enum ParameterRoleModel
    {
        Weight = 0,
        Bias = 1,
        RunningMean = 2,
        RunningVariance = 3,
        BatchesTracked = 4,
    }

    /// <summary>
    /// A named tensor with its PyTorch state_dict name, e.g. "conv1.weight", and its place in the
    /// parameter buffer, or, for running statistics (<see cref="IsBuffer"/>), in the buffers buffer.
    /// </summary>
    internal sealed record ParameterModel(
        string Name,
        string Layer,
        ParameterRoleModel Role,
        EquatableArray<int> Dimensions,
        long Offset,
        int Length,
        ParameterInitModel Init,
        int FanIn)
    {
        public bool IsBuffer => Role >= ParameterRoleModel.RunningMean;
    }

    /// <summary>
    /// The class a network is generated into: all the emitter needs of the declaration. It holds no
    /// location, so moving the class or its attributes leaves the emitted source cached.
    /// </summary>
    internal sealed record NetworkIdentity(string? Namespace, string ClassName, string Accessibility)
    {
        public static NetworkIdentity Of(NetworkSpec spec) => new NetworkIdentity(spec.Namespace, spec.ClassName, spec.Accessibility);

        /// <summary>The generated file's name, e.g. "Samples.MnistNet.g.cs".</summary>
        public string HintName => (Namespace is null ? "" : Namespace + ".") + ClassName + ".g.cs";
    }

    /// <summary>The result of shape inference: a laid-out network, or the errors that prevent one.</summary>
    internal sealed record ShapeResult(ShapedNetwork? Network, EquatableArray<DiagnosticInfo> Errors);
}
