using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cnn.Generators.Parsing
{
    /// <summary>
    /// Turns a [Network] class symbol and its attributes into a <see cref="NetworkSpec"/>: plain values,
    /// no symbols. It checks only what needs Roslyn (partial, nesting); shapes are checked later.
    /// </summary>
    internal static class NetworkParser
    {
        private const string Namespace = "Cnn.";

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var declaration = (ClassDeclarationSyntax)context.TargetNode;
            LocationInfo? classLocation = ToInfo(declaration.Identifier.GetLocation());

            bool isPartial = type.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(cancellationToken))
                .OfType<ClassDeclarationSyntax>()
                .All(c => c.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!isPartial)
            {
                return Failed(DiagnosticInfo.Create(DiagnosticIds.NotPartial, classLocation, type.Name));
            }
            if (type.ContainingType is not null || type.IsGenericType)
            {
                string what = type.IsGenericType ? "generic" : "nested in '" + type.ContainingType!.Name + "'";
                return Failed(DiagnosticInfo.Create(DiagnosticIds.UnsupportedClass, classLocation, type.Name, what));
            }

            var layers = new List<LayerSpec>();
            var diagnostics = new List<DiagnosticInfo>();
            var kindCounts = new Dictionary<string, int>(StringComparer.Ordinal);
            InputSpec? input = null;
            foreach (AttributeData attribute in type.GetAttributes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                string? attributeName = attribute.AttributeClass?.ToDisplayString();
                if (attributeName is null || !attributeName.StartsWith(Namespace, StringComparison.Ordinal)) continue;

                var arguments = new AttributeArguments(attribute);
                LocationInfo? location = ToInfo(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation());
                string shortName = attributeName.Substring(Namespace.Length);
                if (shortName == "InputAttribute")
                {
                    if (input is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.DuplicateInput, location, type.Name));
                        continue;
                    }
                    bool isFlat = attribute.ConstructorArguments.Length == 1;
                    input = new InputSpec(arguments.Int(isFlat ? "features" : "channels"), arguments.Int("height"), arguments.Int("width"), isFlat, location);
                    continue;
                }

                LayerSpec? layer = ParseLayer(shortName, arguments, location, kindCounts);
                if (layer is not null) layers.Add(layer);
            }

            var spec = new NetworkSpec(
                type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
                type.Name,
                SyntaxFacts.GetText(type.DeclaredAccessibility),
                input,
                layers.ToEquatableArray(),
                classLocation);
            return new ParseResult(spec, diagnostics.ToEquatableArray());
        }

        private static LayerSpec? ParseLayer(string attributeName, AttributeArguments a, LocationInfo? location, Dictionary<string, int> kindCounts)
        {
            switch (attributeName)
            {
                case "Conv2dAttribute":
                    return new Conv2dSpec(Name(a, "conv", kindCounts), location, a.Int("outChannels"), a.Int("kernelSize"), a.Int("Stride", 1),
                        a.Int("Padding"), (PaddingModeSpec)a.Int("PaddingMode"), a.Int("Dilation", 1), a.Int("Groups", 1), a.Bool("Bias", true), a.Int("InChannels"));
                case "LinearAttribute":
                    return new LinearSpec(Name(a, "fc", kindCounts), location, a.Int("outFeatures"), a.Int("InFeatures"), a.Bool("Bias", true));
                case "MaxPool2dAttribute":
                    return new Pool2dSpec(Name(a, "maxpool", kindCounts), location, PoolKindSpec.Max, a.Int("kernelSize"), a.Int("Stride"), a.Int("Padding"));
                case "AvgPool2dAttribute":
                    return new Pool2dSpec(Name(a, "avgpool", kindCounts), location, PoolKindSpec.Average, a.Int("kernelSize"), a.Int("Stride"), a.Int("Padding"));
                case "ReLUAttribute":
                    return new ActivationSpec(Name(a, "relu", kindCounts), location, ActivationKindSpec.ReLU);
                case "TanhAttribute":
                    return new ActivationSpec(Name(a, "tanh", kindCounts), location, ActivationKindSpec.Tanh);
                case "SigmoidAttribute":
                    return new ActivationSpec(Name(a, "sigmoid", kindCounts), location, ActivationKindSpec.Sigmoid);
                case "SoftmaxAttribute":
                    return new ActivationSpec(Name(a, "softmax", kindCounts), location, ActivationKindSpec.Softmax);
                case "LogSoftmaxAttribute":
                    return new ActivationSpec(Name(a, "logsoftmax", kindCounts), location, ActivationKindSpec.LogSoftmax);
                case "FlattenAttribute":
                    return new FlattenSpec(Name(a, "flatten", kindCounts), location);
                case "DropoutAttribute":
                    return new DropoutSpec(Name(a, "dropout", kindCounts), location, a.Double("probability"));
                default:
                    return null;
            }
        }

        /// <summary>The given name, or the kind followed by its 1-based count among unnamed and named layers of that kind ("relu2").</summary>
        private static string Name(AttributeArguments a, string kind, Dictionary<string, int> kindCounts)
        {
            kindCounts.TryGetValue(kind, out int count);
            kindCounts[kind] = ++count;
            return a.String("name") ?? kind + count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        private static ParseResult Failed(DiagnosticInfo diagnostic)
            => new ParseResult(null, new[] { diagnostic }.ToEquatableArray());

        private static LocationInfo? ToInfo(Location? location)
        {
            if (location is null || location.SourceTree is null) return null;
            FileLinePositionSpan lines = location.GetLineSpan();
            return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan.Start, location.SourceSpan.Length,
                lines.StartLinePosition.Line, lines.StartLinePosition.Character, lines.EndLinePosition.Line, lines.EndLinePosition.Character);
        }

        /// <summary>An attribute's constructor and named arguments by (case-insensitive) name.</summary>
        private readonly struct AttributeArguments
        {
            private readonly Dictionary<string, TypedConstant> _values;

            public AttributeArguments(AttributeData attribute)
            {
                _values = new Dictionary<string, TypedConstant>(StringComparer.OrdinalIgnoreCase);
                IMethodSymbol? constructor = attribute.AttributeConstructor;
                if (constructor is not null)
                {
                    for (int i = 0; i < attribute.ConstructorArguments.Length && i < constructor.Parameters.Length; i++)
                    {
                        _values[constructor.Parameters[i].Name] = attribute.ConstructorArguments[i];
                    }
                }
                foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
                {
                    _values[named.Key] = named.Value;
                }
            }

            public int Int(string name, int defaultValue = 0)
                => _values.TryGetValue(name, out TypedConstant c) && c.Value is not null ? Convert.ToInt32(c.Value, System.Globalization.CultureInfo.InvariantCulture) : defaultValue;

            public bool Bool(string name, bool defaultValue)
                => _values.TryGetValue(name, out TypedConstant c) && c.Value is bool b ? b : defaultValue;

            public double Double(string name)
                => _values.TryGetValue(name, out TypedConstant c) && c.Value is not null ? Convert.ToDouble(c.Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

            public string? String(string name)
                => _values.TryGetValue(name, out TypedConstant c) ? c.Value as string : null;
        }
    }
}
