namespace Cnn.Generators.Planning
{
    /// <summary>
    /// A mask that a layer kind can keep for its backward step instead of the tensors
    /// <see cref="Replaces"/> names (the runtime's CompactMasks layout): ReLU's bit mask instead of its
    /// output, max pooling's byte indices instead of its input and output. The planner takes it only
    /// where that frees a tensor, i.e. where no other backward step reads what it replaces.
    /// </summary>
    /// <param name="Replaces">What the backward step no longer reads.</param>
    /// <param name="FloatsPerSample">The mask's size per sample, in floats.</param>
    /// <param name="SlotSuffix">What the generated slot name ends with, e.g. "Mask" or "Indices".</param>
    internal sealed record CompactMask(SavedTensors Replaces, long FloatsPerSample, string SlotSuffix);
}
