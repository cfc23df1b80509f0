using System.Text;

namespace Cnn.Distributed.Mpi;

/// <summary>
/// Collectives over <c>MPI_COMM_WORLD</c> of Open MPI 4.1 (Debian's <c>libopenmpi3</c>), for processes
/// started by <c>mpirun</c>. Create one per process, on the thread that will train: MPI is initialised
/// here (<c>MPI_THREAD_FUNNELED</c>) unless the process already did, and finalised by
/// <see cref="Dispose"/> if it was initialised here. MPI cannot be initialised again after that.
/// </summary>
/// <example>
/// <code>
/// using var world = new MpiCollectives();
/// network.Fit(train, validation, options with { Distributed = world });
/// </code>
/// </example>
public sealed unsafe class MpiCollectives : ICollectives
{
    private readonly MpiHandles _handles;
    private readonly bool _finalizeOnDispose;
    private bool _disposed;

    /// <summary>Loads Open MPI, initialises it if needed, and reads this process's rank and the world size.</summary>
    /// <exception cref="MpiLibraryNotFoundException">libmpi.so.40 was not found (the message lists where it was looked for) or is not Open MPI.</exception>
    /// <exception cref="MpiException">MPI failed to initialise.</exception>
    public MpiCollectives()
    {
        _handles = MpiHandles.Load(MpiLibraryLocator.Require());
        Check(MpiNative.MPI_Finalized(out int finalized), "MPI_Finalized");
        if (finalized != 0) throw new InvalidOperationException("MPI was already finalised in this process; it cannot be initialised again. Create one MpiCollectives per process.");
        Check(MpiNative.MPI_Initialized(out int initialized), "MPI_Initialized");
        if (initialized == 0)
        {
            Check(MpiNative.MPI_Init_thread(0, 0, MpiNative.ThreadFunneled, out _), "MPI_Init_thread");
            _finalizeOnDispose = true;
        }
        // Errors come back as codes, to become exceptions that name the rank, instead of aborting the job silently.
        Check(MpiNative.MPI_Comm_set_errhandler(_handles.CommWorld, _handles.ErrorsReturn), "MPI_Comm_set_errhandler");
        Check(MpiNative.MPI_Comm_rank(_handles.CommWorld, out int rank), "MPI_Comm_rank");
        Check(MpiNative.MPI_Comm_size(_handles.CommWorld, out int size), "MPI_Comm_size");
        Rank = rank;
        WorldSize = size;
    }

    /// <inheritdoc/>
    public int Rank { get; } = -1;

    /// <inheritdoc/>
    public int WorldSize { get; }

    /// <summary>MPI_Allreduce in place with MPI_SUM; the mean then divides by <see cref="WorldSize"/> on each rank.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="op"/> is not a <see cref="ReduceOp"/>.</exception>
    /// <exception cref="MpiException">MPI reported an error; the message names the call and the rank.</exception>
    /// <exception cref="ObjectDisposedException">The collectives were disposed.</exception>
    public void AllReduce(Span<float> values, ReduceOp op)
    {
        AllReduce(values, op, _handles.Float, "floats");
        if (op == ReduceOp.Mean)
        {
            float size = WorldSize;
            for (int i = 0; i < values.Length; i++) values[i] /= size;
        }
    }

    /// <summary>MPI_Allreduce of MPI_DOUBLE in place with MPI_SUM; the mean then divides by <see cref="WorldSize"/> on each rank.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="op"/> is not a <see cref="ReduceOp"/>.</exception>
    /// <exception cref="MpiException">MPI reported an error; the message names the call and the rank.</exception>
    /// <exception cref="ObjectDisposedException">The collectives were disposed.</exception>
    public void AllReduce(Span<double> values, ReduceOp op)
    {
        AllReduce(values, op, _handles.Double, "doubles");
        if (op == ReduceOp.Mean)
        {
            double size = WorldSize;
            for (int i = 0; i < values.Length; i++) values[i] /= size;
        }
    }

    private void AllReduce<T>(Span<T> values, ReduceOp op, nint datatype, string what) where T : unmanaged
    {
        if (op is not (ReduceOp.Sum or ReduceOp.Mean)) throw new ArgumentOutOfRangeException(nameof(op), op, "Not a ReduceOp.");
        ThrowIfDisposed();
        fixed (T* start = values)
        {
            Check(MpiNative.MPI_Allreduce(MpiNative.InPlace, start, values.Length, datatype, _handles.Sum, _handles.CommWorld),
                $"MPI_Allreduce of {values.Length} {what}");
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank.</exception>
    /// <exception cref="MpiException">MPI reported an error; the message names the call and the rank.</exception>
    /// <exception cref="ObjectDisposedException">The collectives were disposed.</exception>
    public void Broadcast(Span<float> values, int root)
    {
        if (root < 0 || root >= WorldSize) throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank, 0 to {WorldSize - 1}.");
        ThrowIfDisposed();
        fixed (float* start = values)
        {
            Check(MpiNative.MPI_Bcast(start, values.Length, _handles.Float, root, _handles.CommWorld), $"MPI_Bcast of {values.Length} floats from rank {root}");
        }
    }

    /// <inheritdoc/>
    /// <exception cref="MpiException">MPI reported an error; the message names the call and the rank.</exception>
    /// <exception cref="ObjectDisposedException">The collectives were disposed.</exception>
    public void Barrier()
    {
        ThrowIfDisposed();
        Check(MpiNative.MPI_Barrier(_handles.CommWorld), "MPI_Barrier");
    }

    /// <summary>Ends the job for every rank (<c>MPI_Abort</c>): what a rank does when it cannot go on and the others must not wait for it.</summary>
    public void Abort(int errorCode) => MpiNative.MPI_Abort(_handles.CommWorld, errorCode);

    /// <summary>Finalises MPI if it was initialised here. Every rank must dispose, as MPI_Finalize is collective.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_finalizeOnDispose) Check(MpiNative.MPI_Finalize(), "MPI_Finalize");
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void Check(int code, string call)
    {
        if (code == MpiNative.Success) return;
        string where = Rank >= 0 ? $"rank {Rank} of {WorldSize}" : $"this process (pid {Environment.ProcessId}, rank not known yet)";
        throw new MpiException($"{call} failed on {where}: {ErrorText(code)} (MPI error {code}).", code);
    }

    private static string ErrorText(int code)
    {
        byte* text = stackalloc byte[MpiNative.MaxErrorString];
        return MpiNative.MPI_Error_string(code, text, out int length) == MpiNative.Success && length > 0
            ? Encoding.UTF8.GetString(text, Math.Min(length, MpiNative.MaxErrorString))
            : "no description";
    }
}
