using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Cnn.Cuda;
using Cnn.Cuda.Interop;
using Cnn.Cuda.Native;

namespace Cnn.Distributed.Nccl;

/// <summary>
/// Collectives over NCCL 2.10 or later (<c>libnccl.so.2</c>), one GPU per rank, for processes that
/// a bootstrap <see cref="ICollectives"/> (usually MPI) already groups: rank 0 makes
/// NCCL's unique id and broadcasts it over the bootstrap, then every rank joins the communicator. Each
/// rank owns a <see cref="CudaBackend"/> (<see cref="Backend"/>) whose stream runs the collectives.
/// Calls wait for NCCL with a <see cref="Timeout"/>, polling <c>ncclCommGetAsyncError</c>: a dead or stuck
/// rank ends in an <see cref="NcclException"/> and an aborted communicator instead of a hang.
/// Not yet run on a multi-GPU machine (see docs/distributed.md).
/// </summary>
/// <example>
/// <code>
/// using var world = new MpiCollectives();
/// using var nccl = new NcclCollectives(world);              // this rank's GPU, NCCL communicator
/// using var network = new ResNet18(256, nccl.Backend);
/// network.Fit(train, validation, options with { Distributed = nccl });
/// </code>
/// </example>
public sealed unsafe class NcclCollectives : ICollectives
{
    private readonly CudaBackend _backend;
    private readonly nint _comm;
    private DeviceMemoryHandle? _staging;
    private long _stagingBytes;
    private bool _aborted;
    private bool _disposed;

    /// <summary>
    /// Opens a CUDA backend (by default on <see cref="DefaultDevice"/>), loads NCCL, and joins the
    /// communicator of the <paramref name="bootstrap"/>'s ranks. Every rank of the bootstrap must call it.
    /// If any rank cannot open its device or load NCCL, every rank throws (the others without waiting).
    /// The bootstrap stays the caller's to dispose, after this.
    /// </summary>
    /// <exception cref="CudaUnavailableException">This rank has no usable CUDA device (thrown on that rank).</exception>
    /// <exception cref="CudaLibraryNotFoundException">cuBLAS, cuDNN or NVRTC is missing (thrown on that rank).</exception>
    /// <exception cref="NcclLibraryNotFoundException">libnccl.so.2 is missing or older than 2.10 (thrown on that rank).</exception>
    /// <exception cref="NcclException">An NCCL call failed, or another rank could not set up.</exception>
    public NcclCollectives(ICollectives bootstrap, CudaBackendOptions? backendOptions = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        Rank = bootstrap.Rank;
        WorldSize = bootstrap.WorldSize;
        Timeout = timeout ?? TimeSpan.FromMinutes(10);
        if (Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive.");

        CudaBackend? backend = null;
        Exception? failure = null;
        try
        {
            backend = new CudaBackend(backendOptions ?? new CudaBackendOptions { Device = DefaultDevice(Environment.GetEnvironmentVariable) });
            NcclLibraryLocator.Require();
            Check(NcclNative.ncclGetVersion(out int version), "ncclGetVersion");
            if (version < NcclNative.MinimumVersion)
                throw new NcclLibraryNotFoundException($"NCCL {version} was loaded, but NCCL 2.10 ({NcclNative.MinimumVersion}) or later is needed (for ncclAvg).");
            Version = version;
        }
        catch (Exception e) when (e is CudaUnavailableException or CudaLibraryNotFoundException or CudaException or NcclLibraryNotFoundException or NcclException or DllNotFoundException or EntryPointNotFoundException)
        {
            failure = e;
        }
        // Every rank reaches this all-reduce, so that a rank that failed above does not leave the others
        // waiting for a unique id or in ncclCommInitRank.
        Span<float> failed = [failure is null ? 0 : 1];
        bootstrap.AllReduce(failed, ReduceOp.Sum);
        if (failure is not null || failed[0] > 0)
        {
            backend?.Dispose();
            if (failure is not null) ExceptionDispatchInfo.Throw(failure);
            throw new NcclException($"{failed[0]:F0} other rank(s) of {WorldSize} could not open their CUDA device or load NCCL (their own errors say why); rank {Rank} stops too.", (int)NcclResult.RemoteError);
        }
        _backend = backend!;

        try
        {
            NcclUniqueId id = ShareUniqueId(bootstrap, NcclNative.ncclGetUniqueId);
            _backend.Enter();
            Check(NcclNative.ncclCommInitRank(out _comm, WorldSize, id, Rank), "ncclCommInitRank");
        }
        catch
        {
            _backend.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int WorldSize { get; }

    /// <summary>The CUDA backend of this rank's GPU: train on it, so that device tensors can be reduced in place.</summary>
    public CudaBackend Backend => _backend;

    /// <summary>How long a collective may wait for the other ranks before the communicator is aborted.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>NCCL's version code, X·10000 + Y·100 + Z (21805 for 2.18.5).</summary>
    public int Version { get; }

    /// <summary>
    /// The CUDA device a rank uses by default: 0 when <c>CUDA_VISIBLE_DEVICES</c> shows it exactly one
    /// device, else its local rank on the node (<c>OMPI_COMM_WORLD_LOCAL_RANK</c>, <c>MPI_LOCALRANKID</c>
    /// or <c>SLURM_LOCALID</c>), else 0.
    /// </summary>
    public static int DefaultDevice(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? visible = environment("CUDA_VISIBLE_DEVICES");
        if (visible is not null && visible.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length == 1) return 0;
        foreach (string variable in (string[])["OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"])
        {
            if (int.TryParse(environment(variable), out int localRank) && localRank >= 0) return localRank;
        }
        return 0;
    }

    /// <summary>Copies <paramref name="values"/> to the device, all-reduces them there with NCCL, and copies the result back.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="op"/> is not a <see cref="ReduceOp"/>.</exception>
    /// <exception cref="NcclException">NCCL failed or timed out; the communicator is then aborted.</exception>
    /// <exception cref="ObjectDisposedException">The collectives were disposed.</exception>
    public void AllReduce(Span<float> values, ReduceOp op) => AllReduceHost(values, op, NcclDataType.Float32, "floats");

    /// <summary>Copies <paramref name="values"/> to the device, all-reduces them there in double (<c>ncclFloat64</c>), and copies the result back.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="op"/> is not a <see cref="ReduceOp"/>.</exception>
    /// <exception cref="NcclException">NCCL failed or timed out; the communicator is then aborted.</exception>
    /// <exception cref="ObjectDisposedException">The collectives were disposed.</exception>
    public void AllReduce(Span<double> values, ReduceOp op) => AllReduceHost(values, op, NcclDataType.Float64, "doubles");

    private void AllReduceHost<T>(Span<T> values, ReduceOp op, NcclDataType type, string what) where T : unmanaged
    {
        NcclRedOp nccl = ToNccl(op);
        ThrowIfUnusable();
        if (values.IsEmpty) return;
        long bytes = (long)values.Length * sizeof(T);
        ulong device = Staging(bytes);
        string call = $"ncclAllReduce of {values.Length} {what}";
        fixed (T* host = values)
        {
            _backend.CopyToDevice(device, host, bytes, "staging an NCCL all-reduce");
            Check(NcclNative.ncclAllReduce((void*)device, (void*)device, (nuint)values.Length, type, nccl, _comm, _backend.Stream), call);
            Wait(call);
            _backend.CopyToHost(host, device, bytes, "reading an NCCL all-reduce back");
        }
    }

    /// <summary>All-reduces a tensor of <see cref="Backend"/> in place, on its stream, and waits for it.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is not memory of <see cref="Backend"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="op"/> is not a <see cref="ReduceOp"/>.</exception>
    /// <exception cref="NcclException">NCCL failed or timed out; the communicator is then aborted.</exception>
    /// <exception cref="ObjectDisposedException">The collectives were disposed.</exception>
    public void AllReduce(Tensor values, ReduceOp op)
    {
        NcclRedOp nccl = ToNccl(op);
        ThrowIfUnusable();
        if (values.IsEmpty) return;
        ulong device = _backend.Pointer(values, values.Length, nameof(values));
        string call = $"ncclAllReduce of a {values.Length}-float tensor";
        Check(NcclNative.ncclAllReduce((void*)device, (void*)device, (nuint)values.Length, NcclDataType.Float32, nccl, _comm, _backend.Stream), call);
        Wait(call);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank.</exception>
    /// <exception cref="NcclException">NCCL failed or timed out; the communicator is then aborted.</exception>
    /// <exception cref="ObjectDisposedException">The collectives were disposed.</exception>
    public void Broadcast(Span<float> values, int root)
    {
        CheckRoot(root);
        ThrowIfUnusable();
        if (values.IsEmpty) return;
        long bytes = (long)values.Length * sizeof(float);
        ulong device = Staging(bytes);
        fixed (float* host = values)
        {
            _backend.CopyToDevice(device, host, bytes, "staging an NCCL broadcast");
            Check(NcclNative.ncclBroadcast((void*)device, (void*)device, (nuint)values.Length, NcclDataType.Float32, root, _comm, _backend.Stream), $"ncclBroadcast of {values.Length} floats from rank {root}");
            Wait($"ncclBroadcast of {values.Length} floats from rank {root}");
            _backend.CopyToHost(host, device, bytes, "reading an NCCL broadcast back");
        }
    }

    /// <summary>Broadcasts a tensor of <see cref="Backend"/> from rank <paramref name="root"/> in place, on its stream, and waits for it.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is not memory of <see cref="Backend"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank.</exception>
    /// <exception cref="NcclException">NCCL failed or timed out; the communicator is then aborted.</exception>
    /// <exception cref="ObjectDisposedException">The collectives were disposed.</exception>
    public void Broadcast(Tensor values, int root)
    {
        CheckRoot(root);
        ThrowIfUnusable();
        if (values.IsEmpty) return;
        ulong device = _backend.Pointer(values, values.Length, nameof(values));
        string call = $"ncclBroadcast of a {values.Length}-float tensor from rank {root}";
        Check(NcclNative.ncclBroadcast((void*)device, (void*)device, (nuint)values.Length, NcclDataType.Float32, root, _comm, _backend.Stream), call);
        Wait(call);
    }

    /// <summary>An all-reduce of one float: it returns when every rank has called it.</summary>
    /// <exception cref="NcclException">NCCL failed or timed out; the communicator is then aborted.</exception>
    /// <exception cref="ObjectDisposedException">The collectives were disposed.</exception>
    public void Barrier()
    {
        ThrowIfUnusable();
        ulong device = Staging(sizeof(float));
        Check(NcclNative.ncclAllReduce((void*)device, (void*)device, 1, NcclDataType.Float32, NcclRedOp.Sum, _comm, _backend.Stream), "ncclAllReduce of 1 float (barrier)");
        Wait("ncclAllReduce of 1 float (barrier)");
    }

    /// <summary>Aborts the communicator (<c>ncclCommAbort</c>): queued collectives stop, and this object can only be disposed.</summary>
    public void Abort()
    {
        if (_aborted || _disposed || _comm == 0) return;
        _aborted = true;
        _backend.Enter();
        NcclNative.ncclCommAbort(_comm);
    }

    /// <summary>Destroys the communicator (every rank must), frees the staging memory and disposes <see cref="Backend"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        try
        {
            if (_comm != 0 && !_aborted)
            {
                _backend.Enter();
                NcclNative.ncclCommDestroy(_comm);
            }
        }
        finally
        {
            _disposed = true;
            _staging?.Dispose();
            _backend.Dispose();
        }
    }

    /// <summary>
    /// Rank 0 makes the unique id with <paramref name="create"/> and broadcasts it over
    /// <paramref name="bootstrap"/> together with <paramref name="create"/>'s result, so that its failure
    /// makes every rank throw instead of leaving the others waiting for an id. The id travels as
    /// floats that are only copied (never read as values), so its bits arrive as they were.
    /// </summary>
    /// <exception cref="NcclException"><paramref name="create"/> failed on rank 0 (every rank throws).</exception>
    internal static NcclUniqueId ShareUniqueId(ICollectives bootstrap, CreateUniqueId create)
    {
        NcclUniqueId id = default;
        Span<float> exchange = stackalloc float[NcclUniqueId.FloatCount + 1];
        if (bootstrap.Rank == 0)
        {
            exchange[^1] = create(out id);
            id.AsFloats().CopyTo(exchange);
        }
        bootstrap.Broadcast(exchange, 0);
        int result = (int)exchange[^1];
        if (result != (int)NcclResult.Success)
        {
            throw bootstrap.Rank == 0
                ? NcclException.For(result, "ncclGetUniqueId", 0, bootstrap.WorldSize, ErrorText(result))
                : NcclException.For((int)NcclResult.RemoteError, "Receiving the unique id", bootstrap.Rank, bootstrap.WorldSize,
                    $"ncclGetUniqueId failed on rank 0 with {NcclException.Name(result)} ({result})");
        }
        exchange[..^1].CopyTo(id.AsFloats());
        return id;
    }

    /// <summary>The signature of <c>ncclGetUniqueId</c>, which tests replace.</summary>
    internal delegate int CreateUniqueId(out NcclUniqueId id);

    /// <summary>Waits for the stream, polling NCCL's asynchronous error, and aborts on an error or after <see cref="Timeout"/>.</summary>
    private void Wait(string call)
    {
        long start = Stopwatch.GetTimestamp();
        var spinner = new SpinWait();
        while (true)
        {
            int status = CudaDriver.cuStreamQuery(_backend.Stream);
            if (status == 0) return;
            if (status != CudaDriver.ErrorNotReady)
            {
                Abort();
                _backend.DriverCheck(status, "cuStreamQuery", $"rank {Rank} of {WorldSize}: waiting for {call}");
            }
            if (NcclNative.ncclCommGetAsyncError(_comm, out int asyncError) is int code && code != (int)NcclResult.Success)
            {
                Abort();
                throw NcclException.For(code, $"ncclCommGetAsyncError during {call}", Rank, WorldSize, ErrorText(code));
            }
            if (asyncError is not ((int)NcclResult.Success or (int)NcclResult.InProgress))
            {
                Abort();
                throw NcclException.For(asyncError, call, Rank, WorldSize, ErrorText(asyncError));
            }
            if (Stopwatch.GetElapsedTime(start) > Timeout)
            {
                Abort();
                throw NcclException.For((int)NcclResult.Timeout, call, Rank, WorldSize, $"not done after {Timeout.TotalSeconds:F0} s; the communicator was aborted");
            }
            spinner.SpinOnce();
        }
    }

    private ulong Staging(long bytes)
    {
        if (_staging is null || _stagingBytes < bytes)
        {
            _staging?.Dispose();
            _staging = null;
            _staging = _backend.AllocateRaw(bytes, "NCCL staging memory");
            _stagingBytes = bytes;
        }
        return _staging.Pointer;
    }

    private static NcclRedOp ToNccl(ReduceOp op) => op switch
    {
        ReduceOp.Sum => NcclRedOp.Sum,
        ReduceOp.Mean => NcclRedOp.Avg,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Not a ReduceOp."),
    };

    private void CheckRoot(int root)
    {
        if (root < 0 || root >= WorldSize) throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank, 0 to {WorldSize - 1}.");
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_aborted) throw new InvalidOperationException($"The NCCL communicator of rank {Rank} was aborted after an error; dispose it.");
        _backend.Enter();
    }

    private void Check(int code, string call)
    {
        if (code == (int)NcclResult.Success) return;
        throw NcclException.For(code, call, Rank, WorldSize, ErrorText(code));
    }

    private static string? ErrorText(int code)
    {
        if (!NcclLibraryLocator.TryLoad(out _, out _)) return null;
        byte* text = NcclNative.ncclGetErrorString(code);
        return text is null ? null : Marshal.PtrToStringUTF8((nint)text);
    }
}
