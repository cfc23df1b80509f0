namespace Cnn.Generators.Diagnostics
{
    /// <summary>
    /// Where an attribute sits in source, as plain values: the model must not hold a Roslyn
    /// <c>Location</c> (it pins the syntax tree and breaks incremental caching).
    /// </summary>
    internal sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn);
}
