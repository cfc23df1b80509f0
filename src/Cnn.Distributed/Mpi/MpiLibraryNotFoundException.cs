namespace Cnn.Distributed.Mpi;

/// <summary>Open MPI's library could not be loaded, or is not Open MPI; the message lists the places tried.</summary>
public sealed class MpiLibraryNotFoundException(string message) : DllNotFoundException(message);
