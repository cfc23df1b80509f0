namespace Cnn;

/// <summary>
/// Where a network's dropout masks come from: the seed of their streams (the network's seed unless
/// set) and the stream that the next training forward draws from (each training forward takes the
/// next one). Training checkpoints keep it, as PyTorch users keep <c>torch.get_rng_state()</c>, so
/// that a resumed run draws the masks that an uninterrupted run would have drawn.
/// </summary>
public readonly record struct DropoutState(ulong Seed, ulong MaskStream);
