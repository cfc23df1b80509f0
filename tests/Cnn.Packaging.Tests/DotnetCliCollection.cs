using Xunit;

namespace Cnn.Packaging.Tests;

/// <summary>
/// The tests that pack and build with the dotnet CLI run one after another: they pack the same
/// projects (two packs of Cnn.Runtime at once would write the same obj/ files), and each build takes
/// both cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DotnetCliCollection
{
    public const string Name = "dotnet CLI";
}
