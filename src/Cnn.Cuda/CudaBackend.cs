using Cnn.Backends;
using Cnn.Cuda.Graphs;
using Cnn.Cuda.Interop;
using Cnn.Cuda.Kernels;
using Cnn.Cuda.Native;
using Cnn.Cuda.Operators;

namespace Cnn.Cuda;

/// <summary>
/// The CUDA backend: device memory, cuDNN for convolution, pooling, activations, softmax and batch
/// norm, cuBLAS for linear layers, and NVRTC-compiled kernels for the rest. Everything runs in order
/// on one stream of the device's primary context. Choose it when constructing a network:
/// <c>new ResNet18(256, new CudaBackend())</c>.
/// </summary>
/// <remarks>
/// Kernels run asynchronously; Download, the losses' returned values and AddPenalty wait for them, and
/// an error inside a kernel is reported by the next call that waits. A backend and its operators are
/// not thread-safe: one network trains on one thread at a time (any thread; the context is made
/// current on the calling thread). Backends share the device's primary context but not their streams:
/// each queues all its work, copies included, on its own non-blocking stream, so that one backend may
/// capture a graph while another copies.
/// </remarks>
public sealed unsafe partial class CudaBackend : IBackend
{
    private readonly PrimaryContextHandle _context;
    private readonly StreamHandle? _stream;
    private readonly CublasHandle? _cublas;
    private readonly CudnnHandle? _cudnn;
    private readonly KernelModule? _kernels;
    private readonly DeviceMemoryHandle? _cublasWorkspace;
    private readonly DeviceMemoryHandle? _scalars;
    private readonly DeviceMemoryHandle? _partials;
    private readonly GrowingDeviceMemory _rowLoss;
    private readonly GrowingDeviceMemory _workspace;
    private readonly HashSet<CudaBuffer> _buffers = [];
    private readonly List<IDisposable> _owned = [];
    private bool _disposed;

    // _scalars: the last loss (float) at 0, the first bad label (int) at 4, the last penalty (float) at 8.
    private const int LossOffset = 0, BadLabelOffset = 4, PenaltyOffset = 8, ScalarBytes = 16;

    /// <summary>A backend on device <paramref name="device"/>; TF32 stays off unless <paramref name="allowTf32"/>.</summary>
    public CudaBackend(int device = 0, bool allowTf32 = false) : this(new CudaBackendOptions { Device = device, AllowTf32 = allowTf32 })
    {
    }

    /// <exception cref="CudaUnavailableException">No driver, cuInit failed, or no such device.</exception>
    /// <exception cref="CudaLibraryNotFoundException">cuBLAS, cuDNN or NVRTC is missing; the message lists every place tried.</exception>
    public CudaBackend(CudaBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Name = $"cuda:{options.Device}";
        Device = CudaDevice.Open(options.Device);
        string operation = $"{Name}: creating the backend";
        // cuDNN first: cuBLAS and NVRTC of the CUDA major version it was built for are preferred.
        NativeLibraryLocator.Require(NativeLibrarySpec.Cudnn);
        NativeLibraryLocator.Require(NativeLibrarySpec.Cublas);
        NativeLibraryLocator.Require(NativeLibrarySpec.Nvrtc);
        NativeLibraryLocator.PreloadCompanions(NativeLibrarySpec.Cudnn);

        _context = PrimaryContextHandle.Retain(Device.Ordinal, operation);
        _rowLoss = new GrowingDeviceMemory(this, "per-sample losses");
        _workspace = new GrowingDeviceMemory(this, "convolution workspace");
        try
        {
            _context.MakeCurrent(operation);
            CudaDriver.Check(CudaDriver.cuStreamCreate(out nint stream, CudaDriver.StreamNonBlocking), "cuStreamCreate", operation);
            _stream = new StreamHandle(_context, stream);

            Cublas.Check(Cublas.cublasCreate_v2(out nint cublas), "cublasCreate", operation);
            _cublas = new CublasHandle(_context, cublas);
            // cublasSetStream resets the workspace to cuBLAS's own pool, so the workspace comes second.
            Cublas.Check(Cublas.cublasSetStream_v2(cublas, stream), "cublasSetStream", operation);
            _cublasWorkspace = AllocateRaw(options.CublasWorkspaceBytes, operation);
            Cublas.Check(Cublas.cublasSetWorkspace_v2(cublas, _cublasWorkspace.Pointer, (nuint)options.CublasWorkspaceBytes), "cublasSetWorkspace", operation);
            Cublas.Check(Cublas.cublasSetMathMode(cublas, options.AllowTf32 ? Cublas.Tf32TensorOpMath : Cublas.DefaultMath), "cublasSetMathMode", operation);

            Cudnn.Check(Cudnn.cudnnCreate(out nint cudnn), "cudnnCreate", operation);
            _cudnn = new CudnnHandle(_context, cudnn);
            Cudnn.Check(Cudnn.cudnnSetStream(cudnn, stream), "cudnnSetStream", operation);

            _kernels = KernelModule.Load(_context, Device.ComputeCapability, operation);
            _scalars = AllocateRaw(ScalarBytes, operation);
            _partials = AllocateRaw(2L * KernelSource.PenaltyBlocks * sizeof(double), operation);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>"cuda:N".</summary>
    public string Name { get; }

    /// <summary>The options the backend was created with.</summary>
    public CudaBackendOptions Options { get; }

    /// <summary>The device this backend runs on.</summary>
    public CudaDeviceInfo Device { get; }

    /// <summary>Where the kernels came from: NVRTC's version and the target (sm_XY for a CUBIN, compute_XY for PTX).</summary>
    public string KernelTarget => $"NVRTC {Kernels.Compiled.NvrtcVersion}, {Kernels.Compiled.Target}";

    /// <summary>The versions of the libraries in use, as they report them: "cuDNN 9.6.0, cuBLAS 12.6.4".</summary>
    public string LibraryVersions
    {
        get
        {
            Enter();
            int cudnn = (int)Cudnn.cudnnGetVersion();
            Cublas.Check(Cublas.cublasGetVersion_v2(CublasHandle, out int cublas), "cublasGetVersion", $"{Name}: reading cuBLAS's version");
            // cuDNN 9 and cuBLAS both encode major·10000 + minor·100 + patch.
            return $"cuDNN {cudnn / 10000}.{cudnn / 100 % 100}.{cudnn % 100}, cuBLAS {cublas / 10000}.{cublas / 100 % 100}.{cublas % 100}";
        }
    }

    /// <summary>Free and total device memory, as cuMemGetInfo reports them.</summary>
    public (long Free, long Total) MemoryInfo
    {
        get
        {
            Enter();
            CudaDriver.Check(CudaDriver.cuMemGetInfo_v2(out nuint free, out nuint total), "cuMemGetInfo", $"{Name}: reading memory use");
            return ((long)free, (long)total);
        }
    }

    internal nint Stream => _stream!.Value;
    internal nint CudnnHandle => _cudnn!.Value;
    internal nint CublasHandle => _cublas!.Value;
    internal KernelModule Kernels => _kernels ?? throw new ObjectDisposedException(Name);

    internal bool IsDisposed => _disposed;

    /// <summary>True while <see cref="CaptureStep"/> records the stream into a graph.</summary>
    internal bool IsCapturing => _capture is not null;

    /// <summary>Makes the context current on this thread; every public entry point starts here.</summary>
    internal void Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _context.MakeCurrent(Name);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="CudaException">The device is out of memory or the driver failed.</exception>
    public DeviceBuffer Allocate(long length)
    {
        Enter();
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "A buffer holds 0 or more floats.");
        string operation = $"{Name}: allocating {length:N0} floats";
        ThrowIfCapturing(operation);
        DeviceMemoryHandle memory = AllocateRaw(Math.Max(1, length) * sizeof(float), operation);
        CudaDriver.Check(CudaDriver.cuMemsetD32Async(memory.Pointer, 0, (nuint)length, Stream), "cuMemsetD32Async", operation);
        var buffer = new CudaBuffer(this, memory, length);
        _buffers.Add(buffer);
        return buffer;
    }

    /// <summary>Called by a buffer being disposed: waits for queued kernels that may still use it.</summary>
    internal void Forget(CudaBuffer buffer)
    {
        _buffers.Remove(buffer);
        if (!_disposed && _context.TryMakeCurrent()) CudaDriver.cuStreamSynchronize(Stream);
    }

    /// <summary>Copies <paramref name="source"/> to the start of <paramref name="destination"/>, ordered after the kernels already queued.</summary>
    public void Upload(ReadOnlySpan<float> source, Tensor destination)
    {
        Enter();
        const string operation = "Upload";
        ThrowIfCapturing(operation);
        ulong target = Pointer(destination, source.Length, nameof(destination));
        if (source.IsEmpty) return;
        fixed (float* s = source)
            CopyToDevice(target, s, (long)source.Length * sizeof(float), operation);
    }

    /// <summary>Waits for the queued kernels, then copies <paramref name="source"/> to the start of <paramref name="destination"/>.</summary>
    public void Download(Tensor source, Span<float> destination)
    {
        Enter();
        const string operation = "Download";
        ThrowIfCapturing(operation);
        if (destination.Length < source.Length)
            throw new ArgumentException($"Downloading {source.Length} floats needs a destination at least that long; it holds {destination.Length}.", nameof(destination));
        ulong from = Pointer(source, source.Length, nameof(source));
        if (source.Length == 0) return;
        fixed (float* d = destination)
            CopyToHost(d, from, (long)source.Length * sizeof(float), "Download (this also reports errors of kernels queued before it)");
    }

    /// <inheritdoc/>
    public void Fill(Tensor destination, float value)
    {
        Enter();
        ulong target = Pointer(destination, destination.Length, nameof(destination));
        if (destination.Length == 0) return;
        DriverCheck(CudaDriver.cuMemsetD32Async(target, BitConverter.SingleToUInt32Bits(value), (nuint)destination.Length, Stream), "cuMemsetD32Async", "Fill");
    }

    /// <summary>Copies all of <paramref name="source"/> to the start of <paramref name="destination"/>, on the stream.</summary>
    public void Copy(Tensor source, Tensor destination)
    {
        Enter();
        ulong from = Pointer(source, source.Length, nameof(source));
        ulong to = Pointer(destination, source.Length, nameof(destination));
        if (source.Length == 0) return;
        CopyDevice(to, from, (long)source.Length * sizeof(float), "Copy");
    }

    /// <summary>Throws unless <paramref name="status"/> is CUDA_SUCCESS; the message (with the backend's name) is built only then.</summary>
    internal void DriverCheck(int status, string function, string operation)
    {
        if (status != 0) throw CudaDriver.Error(status, function, $"{Name}: {operation}");
    }

    /// <summary>
    /// Queues a copy from host memory on the stream, after the kernels already queued, and waits for it,
    /// so that <paramref name="source"/> may be reused at once (also when it is pinned memory, which the
    /// driver would otherwise read later).
    /// </summary>
    internal void CopyToDevice(ulong to, void* source, long bytes, string operation)
    {
        DriverCheck(CudaDriver.cuMemcpyHtoDAsync_v2(to, source, (nuint)bytes, Stream), "cuMemcpyHtoDAsync", operation);
        DriverCheck(CudaDriver.cuStreamSynchronize(Stream), "cuStreamSynchronize", operation);
    }

    /// <summary>Queues a copy to host memory on the stream, after the kernels already queued, and waits for it.</summary>
    internal void CopyToHost(void* destination, ulong from, long bytes, string operation)
    {
        DriverCheck(CudaDriver.cuMemcpyDtoHAsync_v2(destination, from, (nuint)bytes, Stream), "cuMemcpyDtoHAsync", operation);
        DriverCheck(CudaDriver.cuStreamSynchronize(Stream), "cuStreamSynchronize", operation);
    }

    internal void CopyDevice(ulong to, ulong from, long bytes, string operation) =>
        DriverCheck(CudaDriver.cuMemcpyDtoDAsync_v2(to, from, (nuint)bytes, Stream), "cuMemcpyDtoDAsync", operation);

    /// <inheritdoc/>
    public IConv2dOperator CreateConv2d(in Conv2dGeometry geometry)
    {
        Enter();
        return Own(new CudaConv2dOperator(this, geometry));
    }

    /// <inheritdoc/>
    public ILinearOperator CreateLinear(in LinearGeometry geometry)
    {
        Enter();
        return new CudaLinearOperator(this, geometry);
    }

    /// <inheritdoc/>
    public IPool2dOperator CreatePool2d(in Pool2dGeometry geometry)
    {
        Enter();
        return Own(new CudaPool2dOperator(this, geometry));
    }

    /// <inheritdoc/>
    public IActivationOperator CreateActivation(in ActivationGeometry geometry)
    {
        Enter();
        return Own(new CudaActivationOperator(this, geometry));
    }

    /// <inheritdoc/>
    public IDropoutOperator CreateDropout(in DropoutGeometry geometry)
    {
        Enter();
        return Own(new CudaDropoutOperator(this, geometry));
    }

    /// <inheritdoc/>
    public IBatchNormOperator CreateBatchNorm(in BatchNormGeometry geometry)
    {
        Enter();
        return Own(new CudaBatchNormOperator(this, geometry));
    }

    private T Own<T>(T resource) where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    /// <inheritdoc/>
    public void Add(Tensor a, Tensor b, Tensor output)
    {
        Enter();
        long n = output.Length;
        ulong x = Pointer(a, n, nameof(a)), y = Pointer(b, n, nameof(b)), z = Pointer(output, n, nameof(output));
        if (n == 0) return;
        void** args = stackalloc void*[] { &x, &y, &z, &n };
        Launch(Kernels.Add, n, args, "cnn_add", "Add");
    }

    /// <inheritdoc/>
    public void CopyStrided(int count, int length, Tensor source, int sourceStride, Tensor destination, int destinationStride)
    {
        Enter();
        if (count < 0 || length < 0 || sourceStride < 0 || destinationStride < 0)
            throw new ArgumentOutOfRangeException(nameof(count), $"CopyStrided needs non-negative sizes; got count {count}, length {length}, strides {sourceStride} and {destinationStride}.");
        if (count == 0 || length == 0) return;
        ulong from = Pointer(source, (long)(count - 1) * sourceStride + length, nameof(source));
        ulong to = Pointer(destination, (long)(count - 1) * destinationStride + length, nameof(destination));
        long rows = count, columns = length, fromStride = sourceStride, toStride = destinationStride;
        void** args = stackalloc void*[] { &from, &fromStride, &to, &toStride, &rows, &columns };
        Launch(Kernels.CopyStrided, rows * columns, args, "cnn_copy_strided", "CopyStrided");
    }

    /// <summary>Waits until every queued kernel has finished, and reports any error one of them raised.</summary>
    public void Synchronize()
    {
        Enter();
        DriverCheck(CudaDriver.cuStreamSynchronize(Stream), "cuStreamSynchronize", "waiting for queued work (errors of earlier kernels are reported here)");
    }

    // ---- helpers for the operators ----------------------------------------------------------------

    /// <summary>Launches a grid-stride kernel over <paramref name="work"/> items, 256 threads a block.</summary>
    internal void Launch(nint function, long work, void** args, string kernel, string operation)
    {
        uint blocks = (uint)Math.Clamp((work + KernelSource.BlockSize - 1) / KernelSource.BlockSize, 1, 65535);
        LaunchBlocks(function, blocks, args, kernel, operation);
    }

    internal void LaunchBlocks(nint function, uint blocks, void** args, string kernel, string operation)
    {
        int status = CudaDriver.cuLaunchKernel(function, blocks, 1, 1, KernelSource.BlockSize, 1, 1, 0, Stream, args, null);
        if (status != 0) throw CudaDriver.Error(status, $"cuLaunchKernel({kernel})", $"{Name}: {operation}");
    }

    /// <summary>
    /// The device address of <paramref name="tensor"/>'s first float, after checking that it lives in a
    /// buffer of this backend and holds at least <paramref name="required"/> floats.
    /// </summary>
    internal ulong Pointer(Tensor tensor, long required, string name)
    {
        if (tensor.IsEmpty) throw new ArgumentException($"Tensor '{name}' is empty, but {required} floats are needed.", name);
        if (tensor.Buffer is not CudaBuffer buffer)
            throw new ArgumentException($"Tensor '{name}' lives in a {tensor.Buffer.GetType().Name}, but the CUDA backend reads only buffers from CudaBackend.Allocate.", name);
        if (!ReferenceEquals(buffer.Backend, this))
            throw new ArgumentException($"Tensor '{name}' lives in a buffer of {buffer.Backend.Name} (another CudaBackend instance), not of this {Name}.", name);
        if (tensor.Length < required)
            throw new ArgumentException($"Tensor '{name}' holds {tensor.Length} floats, but {required} are needed.", name);
        if (tensor.Offset < 0 || tensor.Offset + tensor.Length > buffer.Length)
            throw new ArgumentException($"Tensor '{name}' ({tensor}) runs past the end of its buffer of {buffer.Length} floats.", name);
        return buffer.DevicePointer + (ulong)tensor.Offset * sizeof(float);
    }

    /// <summary>Like <see cref="Pointer"/>, but an empty tensor gives 0 (nothing to read or write).</summary>
    internal ulong OptionalPointer(Tensor tensor, long required, string name) => tensor.IsEmpty ? 0 : Pointer(tensor, required, name);

    internal DeviceMemoryHandle AllocateRaw(long bytes, string operation)
    {
        int status = CudaDriver.cuMemAlloc_v2(out ulong pointer, (nuint)Math.Max(1, bytes));
        if (status != 0)
        {
            (string name, _) = CudaDriver.Decode(status);
            string free = CudaDriver.cuMemGetInfo_v2(out nuint f, out nuint t) == 0 ? $"; {f / (1024 * 1024):N0} MiB of {t / (1024 * 1024):N0} MiB free" : "";
            throw CudaDriver.Error(status, "cuMemAlloc", $"{Name}: {operation} ({bytes:N0} bytes{free}){(name == "CUDA_ERROR_OUT_OF_MEMORY" ? ": try a smaller batch" : "")}");
        }
        return new DeviceMemoryHandle(_context, pointer);
    }

    /// <summary>The shared convolution workspace, grown (never shrunk) to <paramref name="bytes"/>; all convolutions run in order on one stream, so they can share it.</summary>
    internal ulong Workspace(long bytes, string operation) => _workspace.Ensure(bytes, operation);

    /// <summary>Counts reallocations of shared scratch memory; a graph captured before one would use freed memory.</summary>
    internal int MemoryGeneration { get; private set; }

    internal void ThrowIfCapturing(string operation)
    {
        if (IsCapturing)
            throw new InvalidOperationException($"{Name}: {operation} cannot run while a CUDA graph is being captured: it would wait for the device or allocate. " +
                "Upload inputs before Replay, download results after it, and let CaptureStep run the step once before capturing it.");
    }

    /// <summary>Reads one value from device memory (a synchronisation).</summary>
    internal T ReadScalar<T>(ulong pointer, string operation) where T : unmanaged
    {
        T value;
        CopyToHost(&value, pointer, sizeof(T), operation);
        return value;
    }

    /// <summary>
    /// Waits for queued work, then frees every buffer, operator, library handle and the context; a second
    /// call does nothing. Buffers and tensors of this backend are unusable afterwards.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_context.IsInvalid || _context.IsClosed) return;
        if (_context.TryMakeCurrent() && _stream is not null) CudaDriver.cuStreamSynchronize(_stream.Value); // errors would only hide the disposal
        _capture?.Abandon();
        _capture = null;
        foreach (IDisposable resource in _owned) resource.Dispose();
        foreach (CudaBuffer buffer in _buffers.ToArray()) buffer.Dispose();
        _rowLoss.Dispose();
        _workspace.Dispose();
        _partials?.Dispose();
        _scalars?.Dispose();
        _kernels?.Dispose();
        _cudnn?.Dispose();
        _cublas?.Dispose();
        _cublasWorkspace?.Dispose();
        _stream?.Dispose();
        _context.Dispose();
    }

    /// <summary>A device allocation that grows on demand (outside graph capture) and never shrinks.</summary>
    private sealed class GrowingDeviceMemory(CudaBackend backend, string purpose) : IDisposable
    {
        private DeviceMemoryHandle? _memory;
        private long _bytes;

        public ulong Ensure(long bytes, string operation)
        {
            if (_memory is not null && bytes <= _bytes) return _memory.Pointer;
            if (backend.IsCapturing)
                throw new InvalidOperationException($"{backend.Name}: {operation} needs {bytes:N0} bytes of {purpose}, more than was prepared before the CUDA graph capture began. Run the step once before capturing it.");
            if (_memory is not null)
            {
                // Queued kernels may still use the old allocation, and captured graphs hold its address.
                backend.Synchronize();
                _memory.Dispose();
                _memory = null;
                backend.MemoryGeneration++;
            }
            _memory = backend.AllocateRaw(bytes, $"{operation}: {purpose}");
            _bytes = bytes;
            return _memory.Pointer;
        }

        public void Dispose() => _memory?.Dispose();
    }
}
