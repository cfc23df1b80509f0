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
    /// <param name="Reapplies">
    /// Whether the layer's forward may run again over its own output with the same result (ReLU): then
    /// it still joins a fused step, and writes its mask right after it.
    /// </param>
    internal sealed record CompactMask(SavedTensors Replaces, long FloatsPerSample, string SlotSuffix, bool Reapplies = false);
}
