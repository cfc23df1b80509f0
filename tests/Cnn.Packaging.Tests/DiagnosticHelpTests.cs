using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Cnn.Packaging.Tests;

/// <summary>
/// Every diagnostic the generator can report has a help page under docs/diagnostics/, a help link to
/// it, and a row in the README's table. The descriptors are found by reflection, so a new one fails
/// here until it is documented.
/// </summary>
public sealed class DiagnosticHelpTests
{
    private static readonly Type Descriptors = typeof(Cnn.Generators.NetworkGenerator).Assembly
        .GetType("Cnn.Generators.Diagnostics.DiagnosticDescriptors", throwOnError: true)!;

    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (DiagnosticDescriptor descriptor in AllDescriptors()) data.Add(descriptor.Id);
        return data;
    }

    private static IEnumerable<DiagnosticDescriptor> AllDescriptors() =>
        Descriptors.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .OrderBy(d => d.Id, StringComparer.Ordinal);

    [Fact]
    public void Descriptors_AreFoundByReflection()
    {
        Assert.True(AllDescriptors().Count() >= 28);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void EveryDiagnostic_HasAHelpPageWithAWrongAndARightExample(string id)
    {
        string page = Path.Combine(RepositoryPaths.Root, "docs", "diagnostics", id + ".md");
        Assert.True(File.Exists(page), $"{id} has no help page: write {page}");
        string text = File.ReadAllText(page);
        Assert.StartsWith($"# {id}: ", text);
        Assert.Contains("## What is wrong", text);
        Assert.Contains("## Wrong", text);
        Assert.Contains("## Right", text);
        Assert.Contains("## PyTorch", text);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void EveryDiagnostic_HasAHelpLinkToItsPage(string id)
    {
        DiagnosticDescriptor descriptor = AllDescriptors().Single(d => d.Id == id);
        Assert.Equal($"https://github.com/cnn-dotnet/cnn/blob/main/docs/diagnostics/{id}.md", descriptor.HelpLinkUri);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void EveryDiagnostic_HasARowInTheReadmeTableAndTheIndex(string id)
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        Assert.Matches(new Regex($@"^\| \[{id}\]\(docs/diagnostics/{id}\.md\) \|", RegexOptions.Multiline), readme);
        string index = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "diagnostics", "README.md"));
        Assert.Contains($"| [{id}]({id}.md) |", index);
    }

    [Fact]
    public void EveryHelpPage_BelongsToADiagnostic()
    {
        HashSet<string> ids = AllDescriptors().Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        string[] orphans = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "docs", "diagnostics"), "CNN*.md")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(name => !ids.Contains(name!))
            .ToArray()!;
        Assert.Empty(orphans);
    }
}
