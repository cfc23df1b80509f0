using System.Collections.Immutable;
using Cnn.CodeFixes;
using Cnn.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;

namespace Cnn.CodeFixes.Tests;

/// <summary>
/// Runs the generator over one document in an ad-hoc workspace, the way an IDE does, hands its
/// diagnostic to <see cref="NetworkAttributeFixes"/>, and applies the single fix offered.
/// </summary>
internal static class CodeFixHarness
{
    private static readonly ImmutableArray<MetadataReference> References =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(NetworkAttribute).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();

    public static ImmutableArray<Diagnostic> GeneratorDiagnostics(string source)
    {
        using var workspace = new AdhocWorkspace();
        return GeneratorDiagnostics(CreateDocument(workspace, source));
    }

    /// <summary>The source after the fix for the one <paramref name="id"/> diagnostic.</summary>
    public static string ApplyFix(string source, string id, out string title)
    {
        using var workspace = new AdhocWorkspace();
        Document document = CreateDocument(workspace, source);
        Diagnostic diagnostic = Assert.Single(GeneratorDiagnostics(document), d => d.Id == id);

        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        new NetworkAttributeFixes().RegisterCodeFixesAsync(context).GetAwaiter().GetResult();
        CodeAction fix = Assert.Single(actions);
        title = fix.Title;
        ImmutableArray<CodeActionOperation> operations = fix.GetOperationsAsync(CancellationToken.None).GetAwaiter().GetResult();
        Solution changed = Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
        return changed.GetDocument(document.Id)!.GetTextAsync().GetAwaiter().GetResult().ToString();
    }

    private static Document CreateDocument(AdhocWorkspace workspace, string source)
    {
        Project project = workspace.AddProject("Networks", LanguageNames.CSharp)
            .WithMetadataReferences(References)
            .WithParseOptions(new CSharpParseOptions(LanguageVersion.Latest))
            .WithCompilationOptions(new CSharpCompilationOptions(Microsoft.CodeAnalysis.OutputKind.DynamicallyLinkedLibrary));
        return project.AddDocument("Net.cs", source);
    }

    private static ImmutableArray<Diagnostic> GeneratorDiagnostics(Document document)
    {
        Compilation compilation = document.Project.GetCompilationAsync().GetAwaiter().GetResult()!;
        CSharpGeneratorDriver.Create(new NetworkGenerator().AsSourceGenerator())
            .RunGeneratorsAndUpdateCompilation(compilation, out _, out ImmutableArray<Diagnostic> diagnostics);
        return diagnostics;
    }
}
