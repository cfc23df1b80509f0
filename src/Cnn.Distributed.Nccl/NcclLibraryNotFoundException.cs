namespace Cnn.Distributed.Nccl;

/// <summary>NCCL's library could not be loaded, or is older than 2.10; the message lists the places tried.</summary>
public sealed class NcclLibraryNotFoundException(string message) : DllNotFoundException(message);
