using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cnn.Cuda;
using Cnn.Distributed.Nccl;
using Xunit.Abstractions;

namespace Cnn.Distributed.Tests;

/// <summary>
/// The parts of the NCCL collectives that need no GPU. The expected values are copied from
/// NVIDIA/nccl src/nccl.h.in (commit 5067397c2676d5aed50042fc39e5c8ee96eb0027, June 2026), not from the binding.
/// </summary>
public sealed class NcclTests(ITestOutputHelper output)
{
    [Fact]
    public unsafe void UniqueId_Is128BlittableBytes()
    {
        // #define NCCL_UNIQUE_ID_BYTES 128
        // typedef struct { char internal[NCCL_UNIQUE_ID_BYTES]; } ncclUniqueId;
        Assert.Equal(128, sizeof(NcclUniqueId));
        Assert.Equal(128, Unsafe.SizeOf<NcclUniqueId>());
        Assert.Equal(128, Marshal.SizeOf<NcclUniqueId>());
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<NcclUniqueId>());
        // A pinned handle is refused for a type that is not blittable.
        var boxed = new NcclUniqueId[1];
        GCHandle.Alloc(boxed, GCHandleType.Pinned).Free();
        Assert.Equal(32, NcclUniqueId.FloatCount);
    }

    [Fact]
    public unsafe void UniqueId_AsFloats_CoversEveryByte()
    {
        NcclUniqueId id = default;
        Span<float> floats = id.AsFloats();
        Assert.Equal(32, floats.Length);
        // Written as bits: a signalling NaN that went through a float value could come back quieted (0x7FC00001).
        MemoryMarshal.Cast<float, int>(floats)[31] = 0x7F800001;
        byte* bytes = (byte*)&id;
        Assert.Equal(new byte[] { 0x01, 0x00, 0x80, 0x7F }, new ReadOnlySpan<byte>(bytes + 124, 4).ToArray());
        Assert.False(new ReadOnlySpan<byte>(bytes, 124).ContainsAnyExcept((byte)0));
    }

    [Fact]
    public void Enums_MatchTheHeader()
    {
        // typedef enum { ncclSuccess = 0, ncclUnhandledCudaError = 1, ncclSystemError = 2, ncclInternalError = 3,
        //   ncclInvalidArgument = 4, ncclInvalidUsage = 5, ncclRemoteError = 6, ncclInProgress = 7,
        //   ncclTimeout = 8, ncclNumResults = 9 } ncclResult_t;
        Assert.Equal(
            new[] { ("Success", 0), ("UnhandledCudaError", 1), ("SystemError", 2), ("InternalError", 3), ("InvalidArgument", 4),
             ("InvalidUsage", 5), ("RemoteError", 6), ("InProgress", 7), ("Timeout", 8) },
            Enum.GetValues<NcclResult>().Select(value => (value.ToString(), (int)value)));
        // ncclFloat32 = 7, ncclFloat = 7, ncclFloat64 = 8, ncclDouble = 8 (ncclDataType_t)
        Assert.Equal(7, (int)NcclDataType.Float32);
        Assert.Equal(8, (int)NcclDataType.Float64);
        // ncclSum = 0, ..., ncclAvg = 4 (ncclRedOp_t)
        Assert.Equal(0, (int)NcclRedOp.Sum);
        Assert.Equal(4, (int)NcclRedOp.Avg);
        // #define NCCL_VERSION(X,Y,Z) (((X) <= 2 && (Y) <= 8) ? (X) * 1000 + (Y) * 100 + (Z) : (X) * 10000 + (Y) * 100 + (Z))
        Assert.Equal(2 * 10000 + 10 * 100 + 0, NcclNative.MinimumVersion);
    }

    [Theory]
    [InlineData(1, "ncclUnhandledCudaError")]
    [InlineData(2, "ncclSystemError")]
    [InlineData(3, "ncclInternalError")]
    [InlineData(4, "ncclInvalidArgument")]
    [InlineData(5, "ncclInvalidUsage")]
    [InlineData(6, "ncclRemoteError")]
    [InlineData(8, "ncclTimeout")]
    [InlineData(42, "an unknown ncclResult_t")]
    public void Exception_NamesTheCallTheRankAndTheResult(int code, string name)
    {
        NcclException e = NcclException.For(code, "ncclAllReduce of 10 floats", 2, 4, code == 6 ? "remote process exited" : null);
        output.WriteLine(e.Message);
        Assert.Equal(code, e.ResultCode);
        Assert.StartsWith($"ncclAllReduce of 10 floats failed on rank 2 of 4: {name} ({code})", e.Message);
        if (code == 6) Assert.Contains(": remote process exited.", e.Message);
    }

    [WithoutCudaOrNcclFact]
    public void Locator_WhenTheLibraryIsAbsent_ListsThePlacesTriedAndHowToInstall()
    {
        var e = Assert.Throws<NcclLibraryNotFoundException>(() => NcclLibraryLocator.Require());
        output.WriteLine(e.Message);
        Assert.StartsWith("NCCL's libnccl.so.2 was not found. Tried: libnccl.so.2, ", e.Message);
        Assert.Contains("/usr/local/cuda/lib64/libnccl.so.2", e.Message);
        Assert.Contains("pip install nvidia-nccl-cu12", e.Message);
        Assert.Contains(NcclLibraryLocator.PathVariable, e.Message);
    }

    [Fact]
    public void Locator_TriesTheOverrideThenTheLoaderThenSitePackagesThenTheUsualFolders()
    {
        string[] candidates = NcclLibraryLocator.Candidates("/opt/nccl/lib:/x/libnccl.so.2.18.5", ["/py/nvidia/nccl/lib"]).ToArray();
        Assert.Equal(
            new[] { "/opt/nccl/lib/libnccl.so.2", "/x/libnccl.so.2.18.5", "libnccl.so.2", "/py/nvidia/nccl/lib/libnccl.so.2",
             "/usr/local/cuda/lib64/libnccl.so.2", "/usr/lib/x86_64-linux-gnu/libnccl.so.2", "/usr/lib/aarch64-linux-gnu/libnccl.so.2" },
            candidates);
    }

    [Theory]
    [InlineData(null, "3", 3)]
    [InlineData("5", "3", 0)]
    [InlineData("0,1", "1", 1)]
    [InlineData(null, null, 0)]
    public void DefaultDevice_IsZeroWithOneVisibleGpu_ElseTheLocalRank(string? visible, string? localRank, int expected)
    {
        var environment = new Dictionary<string, string?> { ["CUDA_VISIBLE_DEVICES"] = visible, ["OMPI_COMM_WORLD_LOCAL_RANK"] = localRank };
        Assert.Equal(expected, NcclCollectives.DefaultDevice(name => environment.GetValueOrDefault(name)));
    }

    [WithoutCudaOrNcclFact]
    public void Constructing_WithoutACudaDevice_ThrowsAClearError()
    {
        var e = Assert.Throws<CudaUnavailableException>(() => new NcclCollectives(new SingleProcessCollectives()));
        output.WriteLine(e.Message);
        Assert.Contains("libcuda.so.1", e.Message);
    }

    [MpiFact]
    public void UniqueId_SurvivesTheBroadcastOverMpi_ByteForByte()
    {
        MpiRun.Result result = MpiRun.Run(3, "nccl-id");
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"mpirun exited with {result.ExitCode}:\n{result.Output}");
        for (int rank = 0; rank < 3; rank++) Assert.Contains($"rank {rank} of 3: nccl id ok", result.Output);
    }

    [MpiFact]
    public void UniqueIdFailureOnRankZero_MakesEveryRankThrow_AndLeavesTheGroupUsable()
    {
        MpiRun.Result result = MpiRun.Run(3, "nccl-id-fails");
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"mpirun exited with {result.ExitCode}:\n{result.Output}");
        Assert.Contains("rank 0 of 3: ncclGetUniqueId failed on rank 0 of 3: ncclSystemError (2).", result.Output);
        for (int rank = 1; rank < 3; rank++)
            Assert.Contains($"rank {rank} of 3: Receiving the unique id failed on rank {rank} of 3: ncclRemoteError (6): ncclGetUniqueId failed on rank 0 with ncclSystemError (2).", result.Output);
    }

    [MpiFact]
    public void Setup_WithoutGpus_FailsOnEveryRank_AndLeavesTheGroupUsable()
    {
        MpiRun.Result result = MpiRun.Run(2, "nccl-setup");
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"mpirun exited with {result.ExitCode}:\n{result.Output}");
        for (int rank = 0; rank < 2; rank++) Assert.Contains($"rank {rank} of 2: nccl setup refused: No CUDA driver", result.Output);
    }
}

/// <summary>A fact about the errors of a machine without a CUDA device and without NCCL; skipped where either is present.</summary>
public sealed class WithoutCudaOrNcclFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when a CUDA device opens or libnccl.so.2 loads.</summary>
    public WithoutCudaOrNcclFactAttribute()
    {
        if (CudaDevice.TryOpen(0, out _, out string reason)) Skip = $"A CUDA device is present ({reason}).";
        else if (NcclLibraryLocator.TryLoad(out _, out _)) Skip = "libnccl.so.2 is installed here.";
    }
}
