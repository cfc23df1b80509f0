using System.Runtime.InteropServices;

namespace Cnn.Distributed.Nccl;

/// <summary>
/// NCCL's <c>ncclUniqueId</c>: <c>typedef struct { char internal[NCCL_UNIQUE_ID_BYTES]; } ncclUniqueId;</c>
/// with <c>NCCL_UNIQUE_ID_BYTES</c> 128 (src/nccl.h.in). Rank 0 makes it, every rank passes it by value
/// to <c>ncclCommInitRank</c>; it travels between ranks as <see cref="FloatCount"/> floats.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = Bytes)]
internal unsafe struct NcclUniqueId
{
    public const int Bytes = 128;

    /// <summary>The id's size in floats, for <see cref="ICollectives.Broadcast"/>.</summary>
    public const int FloatCount = Bytes / sizeof(float);

    private fixed byte _internal[Bytes];

    /// <summary>
    /// The id's bytes seen as floats, for a broadcast that copies bits (MPI_Bcast does). Never read or
    /// write them as float values: a signalling NaN pattern can come back quieted, which changes the id.
    /// </summary>
    public Span<float> AsFloats() => MemoryMarshal.Cast<byte, float>(MemoryMarshal.CreateSpan(ref _internal[0], Bytes));
}
