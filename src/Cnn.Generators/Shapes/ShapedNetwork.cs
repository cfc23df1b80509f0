using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Model;

namespace Cnn.Generators.Shapes
{
    /// <summary>
    /// A network with every shape inferred and every buffer laid out. Activation offsets are per
    /// sample: the generated code multiplies them by the maximum batch size, so a tensor's data for
    /// the whole batch is contiguous.
    /// </summary>
    internal sealed record ShapedNetwork(
        NetworkSpec Spec,
        EquatableArray<ShapedLayer> Layers,
        EquatableArray<TensorSlot> Tensors,
        long ParameterCount,
        long BufferCount,
        long ActivationsPerSample,
        long LabelsOffset)
    {
        public TensorSlot InputTensor => Tensors[0];

        public TensorSlot OutputTensor => Tensors[Layers[Layers.Count - 1].Output];
    }

    /// <summary>
    /// One tensor of the activation arena: its value and, unless it is (an alias of) the network
    /// input, its gradient. Offsets are per sample; -1 means none.
    /// </summary>
    internal sealed record TensorSlot(Shape Shape, long ValueOffset, long GradientOffset)
    {
        public bool HasGradient => GradientOffset >= 0;
    }

    /// <summary>
    /// One layer with its resolved geometry: tensor indices, shapes, the stride and padding actually
    /// used (after Same/Valid and PyTorch's pooling default), its parameters, and its dropout mask.
    /// </summary>
    internal sealed record ShapedLayer(
        LayerSpec Spec,
        int Input,
        int Output,
        Shape InputShape,
        Shape OutputShape,
        int Stride,
        int Padding,
        EquatableArray<ParameterModel> Parameters,
        long MaskOffset)
    {
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

    /// <summary>The result of shape inference: a laid-out network, or the errors that prevent one.</summary>
    internal sealed record ShapeResult(ShapedNetwork? Network, EquatableArray<DiagnosticInfo> Errors);
}
