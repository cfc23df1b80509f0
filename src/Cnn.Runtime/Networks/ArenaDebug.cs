namespace Cnn;

/// <summary>
/// Debug switches for the planned activation arena of generated networks, whose buffers are reused
/// once the tensors in them are no longer read.
/// </summary>
public static class ArenaDebug
{
    /// <summary>The environment variable that turns <see cref="PoisonFreedBuffers"/> on ("1"), read once.</summary>
    public const string PoisonVariable = "CNN_POISON_FREED_BUFFERS";

    /// <summary>
    /// When true, a generated network fills every buffer of its activation arena with NaN right after
    /// the last step that reads the tensor in it, so that a planning error (a tensor read after its
    /// buffer was given to another) shows as NaN instead of a plausible wrong value. Slow; for tests.
    /// Starts from <see cref="PoisonVariable"/>.
    /// </summary>
    public static bool PoisonFreedBuffers { get; set; } = Environment.GetEnvironmentVariable(PoisonVariable) == "1";
}
