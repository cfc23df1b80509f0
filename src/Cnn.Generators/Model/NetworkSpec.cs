using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;

namespace Cnn.Generators.Model
{
    /// <summary>
    /// Everything the generator needs from one attribute-decorated class, as value-equatable data.
    /// It never holds an ISymbol, SyntaxNode or Compilation (a test walks it to make sure).
    /// </summary>
    internal sealed record NetworkSpec(
        string? Namespace,
        string ClassName,
        string Accessibility,
        InputSpec? Input,
        EquatableArray<LayerSpec> Layers,
        LocationInfo? Location,
        bool Fuse = true);

    /// <summary>The shape of one input sample: (channels, height, width), or (features) when <see cref="IsFlat"/>.</summary>
    internal sealed record InputSpec(int Channels, int Height, int Width, bool IsFlat, LocationInfo? Location);
}
