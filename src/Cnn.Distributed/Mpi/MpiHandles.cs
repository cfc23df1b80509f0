using System.Runtime.InteropServices;

namespace Cnn.Distributed.Mpi;

/// <summary>
/// Open MPI's predefined handles. Its mpi.h defines <c>MPI_COMM_WORLD</c> as
/// <c>&amp;ompi_mpi_comm_world</c>, <c>MPI_FLOAT</c> as <c>&amp;ompi_mpi_float</c>, <c>MPI_DOUBLE</c> as <c>&amp;ompi_mpi_double</c> and so on, so a
/// handle is the address of an exported global, read here with <see cref="NativeLibrary.GetExport"/>; so is
/// <c>MPI_REQUEST_NULL</c> (<c>&amp;ompi_request_null</c>), what a completed request is set to.
/// (MPICH's handles are integers instead: this binding is for Open MPI only.)
/// </summary>
internal readonly record struct MpiHandles(nint CommWorld, nint Float, nint Double, nint Sum, nint ErrorsReturn, nint RequestNull)
{
    public static MpiHandles Load(nint library) => new(
        Export(library, "ompi_mpi_comm_world"),
        Export(library, "ompi_mpi_float"),
        Export(library, "ompi_mpi_double"),
        Export(library, "ompi_mpi_op_sum"),
        Export(library, "ompi_mpi_errors_return"),
        Export(library, "ompi_request_null"));

    private static nint Export(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out nint address)
            ? address
            : throw new MpiLibraryNotFoundException($"{MpiNative.Library} was loaded but does not export '{name}': it is not Open MPI 4 (MPICH and Intel MPI have another handle ABI).");
}
