namespace Cnn.Distributed.Mpi;

/// <summary>An MPI call failed; the message names the call, the rank and MPI's own error text.</summary>
public sealed class MpiException(string message, int errorCode) : Exception(message)
{
    /// <summary>The MPI error code the call returned.</summary>
    public int ErrorCode { get; } = errorCode;
}
