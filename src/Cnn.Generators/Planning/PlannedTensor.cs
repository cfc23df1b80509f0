namespace Cnn.Generators.Planning
{
    /// <summary>What a planned tensor holds.</summary>
    internal enum PlannedRole
    {
        /// <summary>A tensor's value (<see cref="PlannedTensor.Index"/>: the shaped tensor).</summary>
        Value = 0,
        /// <summary>A tensor's gradient (<see cref="PlannedTensor.Index"/>: the shaped tensor).</summary>
        Gradient = 1,
        /// <summary>A layer's mask (<see cref="PlannedTensor.Index"/>: the layer).</summary>
        Mask = 2,
        /// <summary>Where a layer computes a second gradient contribution before adding it (<see cref="PlannedTensor.Index"/>: the layer).</summary>
        Scratch = 3,
        /// <summary>The class index of each sample, which a loss reads.</summary>
        Labels = 4,
    }

    /// <summary>
    /// One tensor of the activation arena: what it holds, its per-sample size, the steps from its
    /// first write to its last read (inclusive), and the buffer it lives in. Tensors that share a
    /// buffer have disjoint lifetimes, except an in-place step's input and output, whose lifetimes
    /// meet at that step.
    /// </summary>
    internal sealed record PlannedTensor(PlannedRole Role, int Index, long Size, int FirstStep, int LastStep, int Buffer);

    /// <summary>
    /// A region of the activation arena: per-sample offset (64-byte aligned; times the maximum batch
    /// gives its start), per-sample size, and the steps during which one of its tensors is live.
    /// </summary>
    internal sealed record PlannedBuffer(long Offset, long Size, int FirstStep, int LastStep)
    {
        public long End => Offset + Size;

        public bool LiveWith(PlannedBuffer other) => FirstStep <= other.LastStep && other.FirstStep <= LastStep;
    }

    /// <summary>
    /// One step: a layer's forward or backward pass, and the planned tensors it reads and writes
    /// (a read happens before the step's writes, which is what makes an in-place step safe).
    /// </summary>
    internal sealed record PlanStep(int Layer, bool IsBackward, Helpers.EquatableArray<int> Reads, Helpers.EquatableArray<int> Writes);
}
