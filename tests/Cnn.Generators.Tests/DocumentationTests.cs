using System.Collections.Immutable;
using Cnn.Generators.Tests.TestSupport;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Cnn.Generators.Tests;

/// <summary>A consumer with GenerateDocumentationFile and TreatWarningsAsErrors builds the generated code cleanly.</summary>
public class DocumentationTests
{
    [Theory]
    [MemberData(nameof(SnapshotTests.SampleNetworks), MemberType = typeof(SnapshotTests))]
    public void GeneratedPublicMembers_AreAllDocumented(string[] relativePaths)
    {
        // The samples' own classes may lack docs; document them here so that only generated members can be missing any.
        string[] sources = relativePaths
            .Select(p => File.ReadAllText(Path.Combine(Snapshot.RepositoryRoot(), p)))
            .Select(s => s.Replace("public partial class", "/// <summary>A network.</summary>\npublic partial class")
                .Replace("public sealed class", "/// <summary>A block.</summary>\npublic sealed class"))
            .Append("namespace Check { public class Undocumented { } }")
            .ToArray();
        var parse = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);
        CSharpCompilation compilation = GeneratorHarness.Compile(sources)
            .RemoveAllSyntaxTrees()
            .AddSyntaxTrees(sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parse, path: $"Network{i}.cs")));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation updated, out ImmutableArray<Diagnostic> generatorDiagnostics);

        Assert.Empty(generatorDiagnostics);
        // The check is live: an undocumented public class of the consumer's is reported.
        Assert.Contains(updated.GetDiagnostics(), d => d.Id == "CS1591" && d.GetMessage().Contains("Undocumented"));
        SyntaxTree generated = Assert.Single(updated.SyntaxTrees.Skip(sources.Length));
        ImmutableArray<Diagnostic> documentation = updated.GetDiagnostics()
            .Where(d => d.Location.SourceTree == generated && (d.Id == "CS1591" || d.Id.StartsWith("CS157", StringComparison.Ordinal) || d.Id.StartsWith("CS158", StringComparison.Ordinal)))
            .ToImmutableArray();
        Assert.True(documentation.IsEmpty, string.Join("\n", documentation.Select(d => d.ToString())));
        Assert.Empty(updated.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }
}
