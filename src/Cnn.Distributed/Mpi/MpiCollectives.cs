using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Cnn.Distributed.Mpi;

/// <summary>
/// Collectives over <c>MPI_COMM_WORLD</c> of Open MPI 4.1 (Debian's <c>libopenmpi3</c>), for processes
/// started by <c>mpirun</c>. Create one per process, on the thread that will train: MPI is initialised
/// here (<c>MPI_THREAD_FUNNELED</c>) unless the process already did, and finalised by
/// <see cref="Dispose"/> if it was initialised here. MPI cannot be initialised again after that.
/// Every collective is started non-blocking (<c>MPI_Iallreduce</c>, <c>MPI_Ibcast</c>, <c>MPI_Ibarrier</c>) and
/// waited for by polling <c>MPI_Test</c> for at most <see cref="Timeout"/>: a rank that waits longer for the
/// others (one stalled or hung, or lost under a launcher that did not end the job) writes which collective timed
/// out on which rank to standard error and ends the whole job with <c>MPI_Abort</c>, so that no rank waits forever.
/// </summary>
/// <example>
/// <code>
/// using var world = new MpiCollectives();
/// network.Fit(train, validation, options with { Distributed = world });
/// </code>
/// </example>
public sealed unsafe class MpiCollectives : ICollectives
{
    /// <summary>The bound on every wait unless the constructor is given another: 10 minutes, far longer than any step.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The error code a timed-out rank gives <c>MPI_Abort</c> (mpirun then exits with it), as the <c>timeout</c> command's 124.</summary>
    public const int TimeoutErrorCode = 124;

    private readonly MpiHandles _handles;
    private readonly long _timeoutTicks;
    private readonly bool _finalizeOnDispose;
    private bool _disposed;

    /// <summary>Loads Open MPI, initialises it if needed, and reads this process's rank and the world size.</summary>
    /// <param name="timeout">
    /// How long a rank waits in one collective for the others before it ends the job (<see cref="DefaultTimeout"/>
    /// when null; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> waits forever, in <c>MPI_Wait</c>). Set it above the
    /// longest time ranks may legitimately drift apart: a step's compute imbalance, and rank 0 writing a checkpoint.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is neither positive nor infinite.</exception>
    /// <exception cref="MpiLibraryNotFoundException">libmpi.so.40 was not found (the message lists where it was looked for) or is not Open MPI.</exception>
    /// <exception cref="MpiException">MPI failed to initialise.</exception>
    public MpiCollectives(TimeSpan? timeout = null)
    {
        Timeout = timeout ?? DefaultTimeout;
        if (Timeout <= TimeSpan.Zero && Timeout != System.Threading.Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The collective timeout must be positive, or Timeout.InfiniteTimeSpan.");
        _timeoutTicks = Timeout == System.Threading.Timeout.InfiniteTimeSpan ? -1 : (long)Math.Ceiling(Timeout.TotalSeconds * Stopwatch.Frequency);
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

    /// <summary>How long a rank waits in one collective before it ends the job (see the constructor).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>MPI_Iallreduce in place with MPI_SUM, waited for within <see cref="Timeout"/>; the mean then divides by <see cref="WorldSize"/> on each rank.</summary>
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

    /// <summary>MPI_Iallreduce of MPI_DOUBLE in place with MPI_SUM, waited for within <see cref="Timeout"/>; the mean then divides by <see cref="WorldSize"/> on each rank.</summary>
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
            Check(MpiNative.MPI_Iallreduce(MpiNative.InPlace, start, values.Length, datatype, _handles.Sum, _handles.CommWorld, out nint request),
                "MPI_Iallreduce", values.Length, what);
            Complete(ref request, "MPI_Iallreduce", values.Length, what);
        }
    }

    /// <summary>
    /// Starts MPI_Iallreduce in place with MPI_SUM on the range, pinned until it completes, and returns at once;
    /// it progresses inside MPI calls (this transport has no progress thread), so call
    /// <see cref="IPendingReduction.Test"/> now and then while computing. <see cref="IPendingReduction.Wait"/> is bounded by <see cref="Timeout"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside <paramref name="buffer"/>.</exception>
    /// <exception cref="MpiException">MPI reported an error; the message names the call and the rank.</exception>
    /// <exception cref="ObjectDisposedException">The collectives were disposed.</exception>
    public IPendingReduction StartAllReduce(float[] buffer, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (offset > buffer.Length - count) throw new ArgumentOutOfRangeException(nameof(count), count, $"The range [{offset}, {offset}+{count}) is not inside the buffer of {buffer.Length}.");
        ThrowIfDisposed();
        var pin = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        int code = MpiNative.MPI_Iallreduce(MpiNative.InPlace, (float*)pin.AddrOfPinnedObject() + offset, count, _handles.Float, _handles.Sum, _handles.CommWorld, out nint request);
        if (code != MpiNative.Success) pin.Free();
        Check(code, "MPI_Iallreduce", count, "floats");
        return new MpiPendingReduction(this, pin, request, count);
    }

    /// <summary>Whether the request has completed (then it is <c>MPI_REQUEST_NULL</c>); one MPI_Test, which also progresses it.</summary>
    internal bool Test(ref nint request, string call, int count, string what)
    {
        if (request == _handles.RequestNull) return true;
        Check(MpiNative.MPI_Test(ref request, out int flag, MpiNative.StatusIgnore), "MPI_Test of " + call, count, what);
        if (flag == 0) return false;
        if (request != _handles.RequestNull)
            throw new MpiException($"MPI_Test of {Describe(call, count, what)} completed on {Where()} but did not set the request to MPI_REQUEST_NULL (&ompi_request_null): this libmpi does not have Open MPI 4's ABI.", 0);
        return true;
    }

    /// <summary>Waits for the request: MPI_Wait without a timeout, else MPI_Test until it completes or <see cref="Timeout"/> has passed (then the job ends).</summary>
    internal void Complete(ref nint request, string call, int count, string what)
    {
        if (_timeoutTicks < 0)
        {
            Check(MpiNative.MPI_Wait(ref request, MpiNative.StatusIgnore), "MPI_Wait of " + call, count, what);
            return;
        }
        long deadline = Stopwatch.GetTimestamp() + _timeoutTicks;
        while (!Test(ref request, call, count, what))
        {
            if (Stopwatch.GetTimestamp() > deadline) AbortOnTimeout(call, count, what);
        }
    }

    /// <summary>Says on standard error which collective timed out on which rank, then ends every rank of the job (<c>MPI_Abort</c>).</summary>
    private void AbortOnTimeout(string call, int count, string what)
    {
        string message = $"{Describe(call, count, what)} timed out on {Where()} after {Timeout.TotalSeconds:0.###} s: another rank has not joined it " +
            $"(stalled, hung, or lost under a launcher that did not end the job). Ending the job with MPI_Abort (error code {TimeoutErrorCode}) so that no rank waits forever; " +
            "MpiCollectives' timeout sets this bound.";
        Console.Error.WriteLine(message);
        Console.Error.Flush();
        MpiNative.MPI_Abort(_handles.CommWorld, TimeoutErrorCode);
        throw new MpiException(message, TimeoutErrorCode); // MPI_Abort does not return; this is in case it did.
    }

    /// <summary>MPI_Ibcast, waited for within <see cref="Timeout"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank.</exception>
    /// <exception cref="MpiException">MPI reported an error; the message names the call and the rank.</exception>
    /// <exception cref="ObjectDisposedException">The collectives were disposed.</exception>
    public void Broadcast(Span<float> values, int root)
    {
        if (root < 0 || root >= WorldSize) throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank, 0 to {WorldSize - 1}.");
        ThrowIfDisposed();
        fixed (float* start = values)
        {
            Check(MpiNative.MPI_Ibcast(start, values.Length, _handles.Float, root, _handles.CommWorld, out nint request), "MPI_Ibcast", values.Length, "floats");
            Complete(ref request, "MPI_Ibcast", values.Length, "floats");
        }
    }

    /// <summary>MPI_Ibarrier, waited for within <see cref="Timeout"/>.</summary>
    /// <exception cref="MpiException">MPI reported an error; the message names the call and the rank.</exception>
    /// <exception cref="ObjectDisposedException">The collectives were disposed.</exception>
    public void Barrier()
    {
        ThrowIfDisposed();
        Check(MpiNative.MPI_Ibarrier(_handles.CommWorld, out nint request), "MPI_Ibarrier");
        Complete(ref request, "MPI_Ibarrier", 0, "");
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

    private void Check(int code, string call, int count, string what)
    {
        if (code != MpiNative.Success) Check(code, Describe(call, count, what));
    }

    private void Check(int code, string call)
    {
        if (code == MpiNative.Success) return;
        throw new MpiException($"{call} failed on {Where()}: {ErrorText(code)} (MPI error {code}).", code);
    }

    private static string Describe(string call, int count, string what) => what.Length == 0 ? call : $"{call} of {count} {what}";

    private string Where() => Rank >= 0 ? $"rank {Rank} of {WorldSize}" : $"this process (pid {Environment.ProcessId}, rank not known yet)";

    private static string ErrorText(int code)
    {
        byte* text = stackalloc byte[MpiNative.MaxErrorString];
        return MpiNative.MPI_Error_string(code, text, out int length) == MpiNative.Success && length > 0
            ? Encoding.UTF8.GetString(text, Math.Min(length, MpiNative.MaxErrorString))
            : "no description";
    }
}
