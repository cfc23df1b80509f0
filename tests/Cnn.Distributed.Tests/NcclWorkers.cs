using Cnn.Cuda;
using Cnn.Distributed.Mpi;
using Cnn.Distributed.Nccl;

namespace Cnn.Distributed.Tests;

/// <summary>The managed parts of <see cref="NcclCollectives"/> that run across MPI ranks without a GPU.</summary>
internal static class NcclWorkers
{
    /// <summary>
    /// Rank 0 shares a unique id holding every byte value and float NaN bit patterns the way
    /// <see cref="NcclCollectives"/> does (as floats, over MPI); every rank checks the 128 bytes it got.
    /// </summary>
    public static unsafe int UniqueIdBroadcast(MpiCollectives world)
    {
        NcclUniqueId id = NcclCollectives.ShareUniqueId(world, (out NcclUniqueId made) =>
        {
            made = default;
            fixed (NcclUniqueId* pointer = &made) Pattern(new Span<byte>(pointer, NcclUniqueId.Bytes));
            return 0;
        });
        Span<byte> bytes = new(&id, NcclUniqueId.Bytes);
        Span<byte> expected = stackalloc byte[NcclUniqueId.Bytes];
        Pattern(expected);
        int first = bytes.CommonPrefixLength(expected);
        if (first != NcclUniqueId.Bytes) throw new InvalidOperationException($"rank {world.Rank}: byte {first} of the unique id is {bytes[first]}, expected {expected[first]}");
        Console.WriteLine($"rank {world.Rank} of {world.WorldSize}: nccl id ok");
        return 0;
    }

    /// <summary>ncclGetUniqueId fails on rank 0 (ncclSystemError): every rank must throw, none may wait; then the group still works.</summary>
    public static int UniqueIdFailure(MpiCollectives world)
    {
        try
        {
            NcclCollectives.ShareUniqueId(world, (out NcclUniqueId made) =>
            {
                made = default;
                return 2;
            });
            Console.WriteLine($"rank {world.Rank}: got an id, which this test does not expect");
            return 1;
        }
        catch (NcclException e)
        {
            Console.WriteLine($"rank {world.Rank} of {world.WorldSize}: {e.Message}");
        }
        world.Barrier();
        return 0;
    }

    /// <summary>Every rank tries to set up NCCL on a machine without CUDA; each must fail with its own error, none may hang.</summary>
    public static int SetupWithoutGpu(MpiCollectives world)
    {
        try
        {
            using var nccl = new NcclCollectives(world, timeout: TimeSpan.FromSeconds(30));
            Console.WriteLine($"rank {world.Rank}: NCCL set up, which this test does not expect");
            return 1;
        }
        catch (CudaUnavailableException e)
        {
            Console.WriteLine($"rank {world.Rank} of {world.WorldSize}: nccl setup refused: {e.Message.ReplaceLineEndings(" ")}");
        }
        // The group must still work: the failed setup left no rank behind in a collective.
        world.Barrier();
        return 0;
    }

    /// <summary>Bytes 0 to 119, then a signalling NaN (0x7F800001) and a negative quiet NaN (0xFFC00001), little-endian.</summary>
    private static void Pattern(Span<byte> bytes)
    {
        for (int i = 0; i < 120; i++) bytes[i] = (byte)i;
        ReadOnlySpan<byte> nans = [0x01, 0x00, 0x80, 0x7F, 0x01, 0x00, 0xC0, 0xFF];
        nans.CopyTo(bytes[120..]);
    }
}
