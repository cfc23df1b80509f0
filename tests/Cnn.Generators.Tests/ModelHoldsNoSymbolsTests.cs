using System.Collections;
using System.Reflection;
using Cnn.Generators.Tests.TestSupport;
using Microsoft.CodeAnalysis;

namespace Cnn.Generators.Tests;

/// <summary>
/// Walks the pipeline's models by reflection and fails if a Roslyn symbol, syntax node, location or
/// compilation sneaks in: those would keep compilations alive and defeat the incremental cache.
/// </summary>
public class ModelHoldsNoSymbolsTests
{
    private static readonly Type[] s_forbidden = { typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(Location), typeof(SemanticModel), typeof(SyntaxTree) };

    [Fact]
    public void PipelineModels_HoldNoRoslynObjects()
    {
        string source = File.ReadAllText(Path.Combine(Snapshot.RepositoryRoot(), "samples/FashionMnist/Networks/MnistNet.cs"));
        GeneratorDriver driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(GeneratorHarness.Compile(source));
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        var values = result.TrackedSteps[NetworkGenerator.TrackingNames.Parse]
            .Concat(result.TrackedSteps[NetworkGenerator.TrackingNames.Shapes])
            .SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
        Assert.NotEmpty(values);
        Assert.Contains(values, v => v is NetworkModel { Code.Network: not null });
        foreach (object value in values) Walk(value, value.GetType().Name, new HashSet<object>(ReferenceEqualityComparer.Instance));
    }

    [Fact]
    public void ModelTypes_DeclareNoRoslynFields()
    {
        IEnumerable<Type> modelTypes = typeof(NetworkGenerator).Assembly.GetTypes()
            .Where(t => t.Namespace is "Cnn.Generators.Model" or "Cnn.Generators.Shapes" or "Cnn.Generators.Layers" || t == typeof(NetworkModel) || t == typeof(EmitModel));
        foreach (Type type in modelTypes)
        {
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                Assert.False(s_forbidden.Any(f => f.IsAssignableFrom(field.FieldType)), $"{type.Name}.{field.Name} is a {field.FieldType.Name}");
            }
        }
    }

    private static void Walk(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        Type type = value.GetType();
        Assert.False(s_forbidden.Any(f => f.IsInstanceOfType(value)), $"{path} holds a {type.Name}");
        if (!type.IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items) Walk(item, $"{path}[{i++}]", seen);
        }
        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            Walk(field.GetValue(value), path + "." + field.Name, seen);
        }
    }
}
