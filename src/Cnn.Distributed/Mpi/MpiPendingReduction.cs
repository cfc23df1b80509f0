using System.Runtime.InteropServices;

namespace Cnn.Distributed.Mpi;

/// <summary>
/// An <c>MPI_Iallreduce</c> in flight: its request, and the pin that keeps its buffer where MPI writes until it
/// completes (then the request is <c>MPI_REQUEST_NULL</c> and the pin is released).
/// </summary>
internal sealed class MpiPendingReduction(MpiCollectives world, GCHandle pin, nint request, int count) : IPendingReduction
{
    private GCHandle _pin = pin;
    private nint _request = request;

    public bool Test()
    {
        if (!_pin.IsAllocated) return true;
        if (!world.Test(ref _request, "MPI_Iallreduce", count, "floats")) return false;
        _pin.Free();
        return true;
    }

    public void Wait()
    {
        if (!_pin.IsAllocated) return;
        world.Complete(ref _request, "MPI_Iallreduce", count, "floats");
        _pin.Free();
    }
}
