using System.Runtime.InteropServices;
using Cnn.Cuda.Native;

namespace Cnn.Cuda.Interop;

/// <summary>
/// A retained primary context. Every other device-side handle holds a reference on it (through
/// <see cref="SafeHandle.DangerousAddRef"/>), so the context outlives whatever was created in it, even
/// when handles are finalized rather than disposed.
/// </summary>
internal sealed class PrimaryContextHandle : SafeHandle
{
    [ThreadStatic] private static nint t_current;

    private PrimaryContextHandle(nint context, int device) : base(0, ownsHandle: true)
    {
        SetHandle(context);
        Device = device;
    }

    public int Device { get; }

    public override bool IsInvalid => handle == 0;

    public static PrimaryContextHandle Retain(int device, string operation)
    {
        CudaDriver.Check(CudaDriver.cuDevicePrimaryCtxRetain(out nint context, device), "cuDevicePrimaryCtxRetain", operation);
        return new PrimaryContextHandle(context, device);
    }

    /// <summary>Makes the context current on the calling thread (a no-op when it already is, as far as this thread has seen).</summary>
    public void MakeCurrent(string operation)
    {
        if (t_current == handle) return;
        CudaDriver.Check(CudaDriver.cuCtxSetCurrent(handle), "cuCtxSetCurrent", operation);
        t_current = handle;
    }

    internal bool TryMakeCurrent()
    {
        if (t_current == handle) return true;
        if (CudaDriver.cuCtxSetCurrent(handle) != 0) return false;
        t_current = handle;
        return true;
    }

    protected override bool ReleaseHandle()
    {
        if (t_current == handle) t_current = 0;
        return CudaDriver.cuDevicePrimaryCtxRelease_v2(Device) == 0;
    }
}

/// <summary>A handle created in a context, destroyed with that context current, which it keeps alive.</summary>
internal abstract class ContextBoundHandle : SafeHandle
{
    private readonly PrimaryContextHandle _context;

    protected ContextBoundHandle(PrimaryContextHandle context, nint value) : base(0, ownsHandle: true)
    {
        bool added = false;
        context.DangerousAddRef(ref added);
        _context = context;
        SetHandle(value);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw handle, for native calls. The owner keeps this object alive while it uses the value.</summary>
    public nint Value => handle;

    protected sealed override bool ReleaseHandle()
    {
        try
        {
            return _context.TryMakeCurrent() && Destroy(handle) == 0;
        }
        finally
        {
            _context.DangerousRelease();
        }
    }

    protected abstract int Destroy(nint value);
}

internal sealed class StreamHandle(PrimaryContextHandle context, nint value) : ContextBoundHandle(context, value)
{
    protected override int Destroy(nint value) => CudaDriver.cuStreamDestroy_v2(value);
}

/// <summary>A cuMemAlloc allocation; <see cref="Pointer"/> is the CUdeviceptr.</summary>
internal sealed class DeviceMemoryHandle(PrimaryContextHandle context, ulong pointer) : ContextBoundHandle(context, (nint)pointer)
{
    public ulong Pointer => (ulong)Value;

    protected override int Destroy(nint value) => CudaDriver.cuMemFree_v2((ulong)value);
}

internal sealed class CudaModuleHandle(PrimaryContextHandle context, nint value) : ContextBoundHandle(context, value)
{
    protected override int Destroy(nint value) => CudaDriver.cuModuleUnload(value);
}

internal sealed class GraphHandle(PrimaryContextHandle context, nint value) : ContextBoundHandle(context, value)
{
    protected override int Destroy(nint value) => CudaDriver.cuGraphDestroy(value);
}

internal sealed class GraphExecHandle(PrimaryContextHandle context, nint value) : ContextBoundHandle(context, value)
{
    protected override int Destroy(nint value) => CudaDriver.cuGraphExecDestroy(value);
}

internal sealed class CublasHandle(PrimaryContextHandle context, nint value) : ContextBoundHandle(context, value)
{
    protected override int Destroy(nint value) => Cublas.cublasDestroy_v2(value);
}

internal sealed class CudnnHandle(PrimaryContextHandle context, nint value) : ContextBoundHandle(context, value)
{
    protected override int Destroy(nint value) => Cudnn.cudnnDestroy(value);
}

/// <summary>Which cuDNN descriptor a <see cref="CudnnDescriptor"/> holds.</summary>
internal enum CudnnDescriptorKind
{
    Tensor,
    Filter,
    Convolution,
    Pooling,
    Activation,
}

/// <summary>A cuDNN descriptor: host-side state, so it needs no context to be destroyed.</summary>
internal sealed class CudnnDescriptor : SafeHandle
{
    private CudnnDescriptor(CudnnDescriptorKind kind, nint value) : base(0, ownsHandle: true)
    {
        Kind = kind;
        SetHandle(value);
    }

    public CudnnDescriptorKind Kind { get; }

    public nint Value => handle;

    public override bool IsInvalid => handle == 0;

    public static CudnnDescriptor Create(CudnnDescriptorKind kind, string operation)
    {
        (int status, nint value, string function) = kind switch
        {
            CudnnDescriptorKind.Tensor => (Cudnn.cudnnCreateTensorDescriptor(out nint t), t, "cudnnCreateTensorDescriptor"),
            CudnnDescriptorKind.Filter => (Cudnn.cudnnCreateFilterDescriptor(out nint f), f, "cudnnCreateFilterDescriptor"),
            CudnnDescriptorKind.Convolution => (Cudnn.cudnnCreateConvolutionDescriptor(out nint c), c, "cudnnCreateConvolutionDescriptor"),
            CudnnDescriptorKind.Pooling => (Cudnn.cudnnCreatePoolingDescriptor(out nint p), p, "cudnnCreatePoolingDescriptor"),
            _ => (Cudnn.cudnnCreateActivationDescriptor(out nint a), a, "cudnnCreateActivationDescriptor"),
        };
        Cudnn.Check(status, function, operation);
        return new CudnnDescriptor(kind, value);
    }

    /// <summary>A tensor descriptor set to the NCHW float shape (n, c, h, w).</summary>
    public static CudnnDescriptor Tensor4d(int n, int c, int h, int w, string operation)
    {
        CudnnDescriptor descriptor = Create(CudnnDescriptorKind.Tensor, operation);
        descriptor.SetTensor4d(n, c, h, w, operation);
        return descriptor;
    }

    public void SetTensor4d(int n, int c, int h, int w, string operation) =>
        Cudnn.Check(Cudnn.cudnnSetTensor4dDescriptor(handle, Cudnn.TensorNchw, Cudnn.DataFloat, n, c, h, w), "cudnnSetTensor4dDescriptor", operation);

    protected override bool ReleaseHandle() => Kind switch
    {
        CudnnDescriptorKind.Tensor => Cudnn.cudnnDestroyTensorDescriptor(handle),
        CudnnDescriptorKind.Filter => Cudnn.cudnnDestroyFilterDescriptor(handle),
        CudnnDescriptorKind.Convolution => Cudnn.cudnnDestroyConvolutionDescriptor(handle),
        CudnnDescriptorKind.Pooling => Cudnn.cudnnDestroyPoolingDescriptor(handle),
        _ => Cudnn.cudnnDestroyActivationDescriptor(handle),
    } == 0;
}
