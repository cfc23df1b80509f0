using System.Runtime.InteropServices;

namespace Cnn.Distributed.Mpi;

/// <summary>
/// The few functions of Open MPI's C API that <see cref="MpiCollectives"/> calls. Handles
/// (<c>MPI_Comm</c>, <c>MPI_Datatype</c>, <c>MPI_Op</c>, <c>MPI_Errhandler</c>, <c>MPI_Request</c>) are pointers in
/// Open MPI's ABI (mpi.h: <c>typedef struct ompi_request_t *MPI_Request;</c>), and the predefined ones are the
/// addresses of exported globals (see <see cref="MpiHandles"/>). <c>MPI_STATUS_IGNORE</c> is
/// <c>(MPI_Status *) 0</c>, passed here as <see cref="StatusIgnore"/>.
/// The library is found by <see cref="MpiLibraryLocator"/>.
/// </summary>
internal static unsafe partial class MpiNative
{
    public const string Library = "libmpi.so.40";

    public const int Success = 0;
    public const int MaxErrorString = 256;

    /// <summary>Open MPI's <c>MPI_THREAD_FUNNELED</c>: only the thread that initialised MPI calls it.</summary>
    public const int ThreadFunneled = 1;

    [LibraryImport(Library)]
    public static partial int MPI_Initialized(out int flag);

    [LibraryImport(Library)]
    public static partial int MPI_Finalized(out int flag);

    [LibraryImport(Library)]
    public static partial int MPI_Init_thread(nint argc, nint argv, int required, out int provided);

    [LibraryImport(Library)]
    public static partial int MPI_Finalize();

    [LibraryImport(Library)]
    public static partial int MPI_Comm_rank(nint comm, out int rank);

    [LibraryImport(Library)]
    public static partial int MPI_Comm_size(nint comm, out int size);

    [LibraryImport(Library)]
    public static partial int MPI_Comm_set_errhandler(nint comm, nint errhandler);

    [LibraryImport(Library)]
    public static partial int MPI_Iallreduce(void* sendbuf, void* recvbuf, int count, nint datatype, nint op, nint comm, out nint request);

    [LibraryImport(Library)]
    public static partial int MPI_Ibcast(void* buffer, int count, nint datatype, int root, nint comm, out nint request);

    [LibraryImport(Library)]
    public static partial int MPI_Ibarrier(nint comm, out nint request);

    /// <summary>Sets <paramref name="flag"/> when the request has completed, and then frees it: <paramref name="request"/> becomes <c>MPI_REQUEST_NULL</c>.</summary>
    [LibraryImport(Library)]
    public static partial int MPI_Test(ref nint request, out int flag, nint status);

    /// <summary>Returns when the request has completed, and frees it: <paramref name="request"/> becomes <c>MPI_REQUEST_NULL</c>.</summary>
    [LibraryImport(Library)]
    public static partial int MPI_Wait(ref nint request, nint status);

    [LibraryImport(Library)]
    public static partial int MPI_Error_string(int errorcode, byte* text, out int length);

    [LibraryImport(Library)]
    public static partial int MPI_Abort(nint comm, int errorcode);

    /// <summary><c>MPI_IN_PLACE</c>: the send buffer argument that means "the receive buffer holds the input".</summary>
    public static void* InPlace => (void*)1;

    /// <summary><c>MPI_STATUS_IGNORE</c>: Open MPI's mpi.h defines it as <c>((MPI_Status *) 0)</c>.</summary>
    public const nint StatusIgnore = 0;
}
