using System.Text;
using Cnn.Cuda.Interop;
using Cnn.Cuda.Native;

namespace Cnn.Cuda;

/// <summary>What the driver reports about one CUDA device.</summary>
public sealed record CudaDeviceInfo(int Ordinal, string Name, int ComputeCapabilityMajor, int ComputeCapabilityMinor, long TotalMemoryBytes, int Multiprocessors, int DriverVersion)
{
    /// <summary>Major·10 + minor, e.g. 90 for an H100.</summary>
    public int ComputeCapability => ComputeCapabilityMajor * 10 + ComputeCapabilityMinor;

    /// <summary>One line for logs: name, ordinal, compute capability, memory in GiB, SMs and driver version.</summary>
    public override string ToString() =>
        $"{Name} (device {Ordinal}, compute capability {ComputeCapabilityMajor}.{ComputeCapabilityMinor}, {TotalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, {Multiprocessors} SMs; driver API {DriverVersion / 1000}.{DriverVersion % 1000 / 10})";
}

/// <summary>Finds CUDA devices through the driver API, without creating a context.</summary>
public static unsafe class CudaDevice
{
    /// <summary>
    /// Describes device <paramref name="ordinal"/>, or throws a <see cref="CudaUnavailableException"/> that
    /// says why it cannot be used: libcuda.so.1 missing (with every place tried), cuInit failing, or no such device.
    /// </summary>
    public static CudaDeviceInfo Open(int ordinal = 0)
    {
        if (ordinal < 0) throw new ArgumentOutOfRangeException(nameof(ordinal), ordinal, "A CUDA device ordinal is 0 or more.");
        try
        {
            NativeLibraryLocator.Require(NativeLibrarySpec.Driver);
        }
        catch (CudaLibraryNotFoundException e)
        {
            throw new CudaUnavailableException($"No CUDA driver: {e.Message}", e);
        }

        const string operation = "finding CUDA devices";
        int status = CudaDriver.cuInit(0);
        if (status != 0)
        {
            (string statusName, string? description) = CudaDriver.Decode(status);
            throw new CudaUnavailableException($"cuInit failed with {statusName} ({status}){(description is null ? "" : ": " + description)}; the driver cannot reach a GPU.");
        }
        CudaDriver.Check(CudaDriver.cuDeviceGetCount(out int count), "cuDeviceGetCount", operation);
        if (count == 0) throw new CudaUnavailableException("The CUDA driver found no device.");
        if (ordinal >= count) throw new CudaUnavailableException($"CUDA device {ordinal} was requested, but the driver found {count} device(s) (0 to {count - 1}).");

        CudaDriver.Check(CudaDriver.cuDeviceGet(out int device, ordinal), "cuDeviceGet", operation);
        byte* name = stackalloc byte[256];
        CudaDriver.Check(CudaDriver.cuDeviceGetName(name, 256, device), "cuDeviceGetName", operation);
        CudaDriver.Check(CudaDriver.cuDeviceGetAttribute(out int major, CudaDriver.AttributeComputeCapabilityMajor, device), "cuDeviceGetAttribute", operation);
        CudaDriver.Check(CudaDriver.cuDeviceGetAttribute(out int minor, CudaDriver.AttributeComputeCapabilityMinor, device), "cuDeviceGetAttribute", operation);
        CudaDriver.Check(CudaDriver.cuDeviceGetAttribute(out int sms, CudaDriver.AttributeMultiprocessorCount, device), "cuDeviceGetAttribute", operation);
        CudaDriver.Check(CudaDriver.cuDeviceTotalMem_v2(out nuint memory, device), "cuDeviceTotalMem", operation);
        CudaDriver.Check(CudaDriver.cuDriverGetVersion(out int driver), "cuDriverGetVersion", operation);
        string text = Encoding.UTF8.GetString(name, new ReadOnlySpan<byte>(name, 256).IndexOf((byte)0));
        return new CudaDeviceInfo(device, text, major, minor, (long)memory, sms, driver);
    }

    /// <summary>
    /// True when device <paramref name="ordinal"/> can be opened; otherwise false and, in
    /// <paramref name="reason"/>, why not (what tests print when they skip).
    /// </summary>
    public static bool TryOpen(int ordinal, out CudaDeviceInfo? info, out string reason)
    {
        try
        {
            info = Open(ordinal);
            reason = info.ToString();
            return true;
        }
        catch (Exception e) when (e is CudaUnavailableException or CudaException or DllNotFoundException or EntryPointNotFoundException)
        {
            info = null;
            reason = e.Message;
            return false;
        }
    }
}
