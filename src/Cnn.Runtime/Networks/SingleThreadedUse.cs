using System.Runtime.CompilerServices;

namespace Cnn;

/// <summary>
/// Detects a second thread entering a network while one is inside it. A network owns one set of
/// activation, gradient and input/output buffers, so two overlapping calls overwrite each other's
/// data and return wrong answers without any error; this turns that into an
/// <see cref="InvalidOperationException"/> at the second entry. The same thread may enter again
/// (a callback in Fit that predicts, validation inside Fit).
/// </summary>
/// <remarks>
/// Kept beside the network rather than in it, so every <see cref="INetwork"/>, generated or
/// hand-written, is guarded by the runtime paths that use it: Fit, Evaluate, Predict,
/// ConfusionMatrix, FeatureMaps, <c>TrainingStep</c> and the model file I/O. Entering costs one
/// interlocked exchange and allocates nothing.
/// </remarks>
internal static class SingleThreadedUse
{
    private static readonly ConditionalWeakTable<INetwork, Gate> s_gates = new();

    /// <summary>The gate of <paramref name="network"/>; hold on to it where a loop enters often.</summary>
    public static Gate GateOf(INetwork network) => s_gates.GetValue(network, static _ => new Gate());

    /// <summary>Enters <paramref name="network"/> for <paramref name="operation"/> until the scope is disposed.</summary>
    /// <exception cref="InvalidOperationException">Another thread is inside the network.</exception>
    public static Scope Enter(INetwork network, string operation) => GateOf(network).Enter(network, operation);

    /// <summary>Who is inside one network: a thread id (0 for nobody) and how many times it entered.</summary>
    internal sealed class Gate
    {
        private int _owner;
        private int _depth;
        private string _operation = "";

        public Scope Enter(INetwork network, string operation)
        {
            int thread = Environment.CurrentManagedThreadId;
            if (Volatile.Read(ref _owner) == thread)
            {
                _depth++;
                return new Scope(this);
            }
            if (Interlocked.CompareExchange(ref _owner, thread, 0) != 0)
            {
                throw new InvalidOperationException(
                    $"{operation} was called on a {network.ArchitectureName} while another thread is inside it ({Volatile.Read(ref _operation)}). " +
                    "A network instance is single-threaded: its activations, gradients and input and output buffers serve one call at a time, " +
                    "so concurrent calls would silently corrupt each other's results. To serve in parallel, use one instance per thread, " +
                    "or a pool of instances (each loaded from the same model file) that every request borrows one from and returns; " +
                    "or serialise the calls with a lock.");
            }
            _depth = 1;
            _operation = operation;
            return new Scope(this);
        }

        public void Exit()
        {
            if (--_depth == 0) Volatile.Write(ref _owner, 0);
        }
    }

    /// <summary>Leaves the network when disposed; a struct, so <c>using</c> allocates nothing.</summary>
    internal readonly struct Scope(Gate gate) : IDisposable
    {
        public void Dispose() => gate.Exit();
    }
}
