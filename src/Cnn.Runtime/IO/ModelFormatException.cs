namespace Cnn.IO;

/// <summary>
/// A valid safetensors file whose tensors do not fit the network it is loaded into: a tensor is
/// missing, unexpected, of another shape, or of a type that is not a number Cnn can convert. The
/// message names the file and the network and lists the first problems; <see cref="Problems"/>
/// holds them all.
/// </summary>
public sealed class ModelFormatException : Exception
{
    /// <summary>How many problems the message lists before it summarises the rest.</summary>
    public const int ListedProblems = 10;

    /// <summary>Creates an exception for <paramref name="filePath"/> loaded into <paramref name="architecture"/>.</summary>
    /// <param name="filePath">The model file.</param>
    /// <param name="architecture">The network's class name.</param>
    /// <param name="problems">One phrase per mismatch, e.g. <c>missing 'fc.bias'</c>.</param>
    public ModelFormatException(string filePath, string architecture, IReadOnlyList<string> problems)
        : base(Format(filePath, architecture, problems))
    {
        FilePath = filePath;
        Architecture = architecture;
        Problems = problems;
    }

    /// <summary>The model file.</summary>
    public string FilePath { get; }

    /// <summary>The class name of the network the file was loaded into.</summary>
    public string Architecture { get; }

    /// <summary>Every mismatch found, in the network's parameter order, then the file's unexpected tensors.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Format(string filePath, string architecture, IReadOnlyList<string> problems)
    {
        string count = problems.Count == 1 ? "1 problem" : $"{problems.Count} problems";
        var text = new System.Text.StringBuilder($"'{filePath}' does not fit {architecture} ({count}); nothing was loaded:");
        foreach (string problem in problems.Take(ListedProblems)) text.Append("\n  ").Append(problem);
        if (problems.Count > ListedProblems) text.Append($"\n  ... and {problems.Count - ListedProblems} more");
        return text.ToString();
    }
}
