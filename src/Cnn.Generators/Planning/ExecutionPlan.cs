using System.Collections.Generic;
using System.Linq;
using Cnn.Generators.Helpers;

namespace Cnn.Generators.Planning
{
    /// <summary>
    /// How one network runs in one mode: its steps (every layer's forward, then in training every
    /// layer's backward in reverse), every planned tensor with its lifetime, and the buffers they are
    /// assigned to by liveness. Index maps say which planned tensor holds what (-1: none in this mode):
    /// <see cref="Values"/> and <see cref="Gradients"/> by shaped tensor (a view shares its input's),
    /// <see cref="Masks"/> and <see cref="Scratches"/> by layer. <see cref="Fusions"/> lists the layers
    /// whose forward steps run as one. <see cref="CompactMasks"/> lists the layers that keep a compact
    /// mask (their <see cref="Masks"/> entry) instead of full tensors for backward (training only).
    /// Plain data: tested on its own.
    /// </summary>
    internal sealed record ExecutionPlan(
        PlanMode Mode,
        EquatableArray<PlanStep> Steps,
        EquatableArray<PlannedTensor> Tensors,
        EquatableArray<PlannedBuffer> Buffers,
        EquatableArray<int> Values,
        EquatableArray<int> Gradients,
        EquatableArray<int> Masks,
        EquatableArray<int> Scratches,
        int Labels,
        long ActivationsPerSample,
        EquatableArray<FusedChain> Fusions,
        EquatableArray<int> CompactMasks)
    {
        /// <summary>Whether layer <paramref name="layer"/> keeps a compact mask in this plan.</summary>
        public bool KeepsCompactMask(int layer) => CompactMasks.Contains(layer);

        /// <summary>The fused step that layer <paramref name="layer"/> leads, or null.</summary>
        public FusedChain? FusionLedBy(int layer)
        {
            foreach (FusedChain chain in Fusions)
            {
                if (chain.Head == layer) return chain;
            }
            return null;
        }

        /// <summary>The buffer of planned tensor <paramref name="tensor"/>.</summary>
        public PlannedBuffer BufferOf(int tensor) => Buffers[Tensors[tensor].Buffer];

        /// <summary>The step that runs layer <paramref name="layer"/> backward (training plans only).</summary>
        public int BackwardStep(int layer, int layers) => 2 * layers - 1 - layer;

        /// <summary>The buffers whose last live step is <paramref name="step"/>: free for others from the next step on.</summary>
        public IEnumerable<int> FreedAfter(int step)
        {
            for (int b = 0; b < Buffers.Count; b++)
            {
                if (Buffers[b].LastStep == step && step < Steps.Count - 1) yield return b;
            }
        }
    }

    /// <summary>The plans the emitter consumes: one per mode, so that the constructor can pick.</summary>
    internal sealed record NetworkPlans(ExecutionPlan Training, ExecutionPlan Inference);
}
