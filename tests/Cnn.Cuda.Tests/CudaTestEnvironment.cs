namespace Cnn.Cuda.Tests;

/// <summary>
/// What a GPU machine's script may set for the published test executable, which runs there without
/// the repository: where Fashion-MNIST is, and which networks to check in this process (so that one
/// sticky kernel fault ends only the process that met it).
/// </summary>
internal static class CudaTestEnvironment
{
    /// <summary>The folder of Fashion-MNIST's IDX files: <c>CNN_FASHION_MNIST_DIR</c>, else Debian's.</summary>
    public static string FashionMnistDirectory =>
        Environment.GetEnvironmentVariable("CNN_FASHION_MNIST_DIR") is { Length: > 0 } folder ? folder : Data.FashionMnist.DefaultDirectory;

    /// <summary>
    /// <paramref name="all"/> restricted to the comma-separated names in <c>CNN_CUDA_NETWORKS</c> when it
    /// is set; a name that is not among them is an error, so that a typo does not check nothing.
    /// </summary>
    public static IEnumerable<string> SelectNetworks(IReadOnlyList<string> all)
    {
        string? selected = Environment.GetEnvironmentVariable("CNN_CUDA_NETWORKS");
        if (string.IsNullOrWhiteSpace(selected)) return all;
        string[] names = selected.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string[] unknown = names.Where(name => !all.Contains(name)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"CNN_CUDA_NETWORKS names {string.Join(", ", unknown)}, which are not test networks; they are {string.Join(", ", all)}.");
        return names;
    }
}
