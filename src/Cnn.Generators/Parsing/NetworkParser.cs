using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Layers;
using Cnn.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cnn.Generators.Parsing
{
    /// <summary>
    /// Turns a [Network] class symbol and its attributes into a <see cref="NetworkSpec"/>: plain values,
    /// no symbols. The flat attribute list becomes a tree (residual and concat markers, and the bodies
    /// of used blocks). It checks only what needs Roslyn; shapes are checked later.
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

            var reader = new AttributeListReader(cancellationToken);
            InputSpec? input = null;
            var layerAttributes = new List<AttributeData>();
            bool fuse = true;
            foreach (AttributeData attribute in type.GetAttributes())
            {
                string? name = ShortName(attribute);
                if (name == "InputAttribute")
                {
                    LocationInfo? location = reader.Location(attribute);
                    if (input is not null)
                    {
                        reader.Diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.DuplicateInput, location, type.Name));
                        continue;
                    }
                    var arguments = new AttributeArguments(attribute);
                    bool isFlat = attribute.ConstructorArguments.Length == 1;
                    input = new InputSpec(arguments.Int(isFlat ? "features" : "channels"), arguments.Int("height"), arguments.Int("width"), isFlat, location);
                }
                else if (name == "NetworkAttribute")
                {
                    fuse = new AttributeArguments(attribute).Bool("Fuse", true);
                }
                else if (name is not null)
                {
                    layerAttributes.Add(attribute);
                }
            }

            EquatableArray<LayerSpec> layers = reader.ReadBody(layerAttributes, anchor: null);
            var spec = new NetworkSpec(
                type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
                type.Name,
                SyntaxFacts.GetText(type.DeclaredAccessibility),
                input,
                layers,
                classLocation,
                fuse);
            return new ParseResult(spec, reader.Diagnostics.ToEquatableArray());
        }

        /// <summary>The attribute's class name without the Cnn namespace and generic arguments, or null for foreign attributes.</summary>
        private static string? ShortName(AttributeData attribute)
        {
            INamedTypeSymbol? type = attribute.AttributeClass;
            if (type is null || type.ContainingNamespace?.ToDisplayString() + "." != Namespace) return null;
            return type.Name;
        }

        private static ParseResult Failed(DiagnosticInfo diagnostic)
            => new ParseResult(null, new[] { diagnostic }.ToEquatableArray());

        internal static LocationInfo? ToInfo(Location? location)
        {
            if (location is null || location.SourceTree is null) return null;
            FileLinePositionSpan lines = location.GetLineSpan();
            return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan.Start, location.SourceSpan.Length,
                lines.StartLinePosition.Line, lines.StartLinePosition.Character, lines.EndLinePosition.Line, lines.EndLinePosition.Character);
        }

        /// <summary>
        /// Reads a flat list of layer attributes into a tree, recursing into the blocks it uses. Layers
        /// inside a block carry no location (a block is shared by many uses); the parser's own
        /// diagnostics there, like shape inference's, are anchored at the network's attribute that uses it.
        /// </summary>
        private sealed class AttributeListReader
        {
            private readonly CancellationToken _cancellationToken;
            private readonly Dictionary<INamedTypeSymbol, BlockSpec> _blocks = new Dictionary<INamedTypeSymbol, BlockSpec>(SymbolEqualityComparer.Default);
            private readonly List<INamedTypeSymbol> _blockStack = new List<INamedTypeSymbol>();

            public AttributeListReader(CancellationToken cancellationToken) => _cancellationToken = cancellationToken;

            public List<DiagnosticInfo> Diagnostics { get; } = new List<DiagnosticInfo>();

            public LocationInfo? Location(AttributeData attribute)
                => ToInfo(attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken).GetLocation());

            public EquatableArray<LayerSpec> ReadBody(IReadOnlyList<AttributeData> attributes, LocationInfo? anchor)
            {
                int index = 0;
                var counts = new Dictionary<string, int>(StringComparer.Ordinal);
                var layers = ReadSequence(attributes, ref index, anchor, counts, terminators: Array.Empty<string>());
                while (index < attributes.Count)
                {
                    // A terminator with nothing open.
                    Unbalanced(attributes[index], anchor, $"[{Display(attributes[index])}] has no matching [{Opener(attributes[index])}]; remove it or add the opening marker before it");
                    index++;
                    layers.AddRange(ReadSequence(attributes, ref index, anchor, counts, Array.Empty<string>()));
                }
                return layers.ToEquatableArray();
            }

            private List<LayerSpec> ReadSequence(IReadOnlyList<AttributeData> attributes, ref int index, LocationInfo? anchor, Dictionary<string, int> counts, string[] terminators)
            {
                var layers = new List<LayerSpec>();
                while (index < attributes.Count)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    AttributeData attribute = attributes[index];
                    string name = ShortName(attribute)!;
                    if (Array.IndexOf(terminators, name) >= 0 || name is "ShortcutAttribute" or "EndResidualAttribute" or "BranchAttribute" or "EndConcatAttribute")
                    {
                        return layers;
                    }
                    index++;
                    LocationInfo? location = anchor is null ? Location(attribute) : null;
                    var arguments = new AttributeArguments(attribute);
                    LayerSpec? layer = name switch
                    {
                        "ResidualAttribute" => ReadResidual(attributes, ref index, attribute, arguments, location, anchor, counts),
                        "ConcatAttribute" => ReadConcat(attributes, ref index, attribute, arguments, location, anchor, counts),
                        "UseAttribute" => ReadUse(attribute, arguments, location, anchor),
                        _ => ReadLayer(name, arguments, location, counts),
                    };
                    if (layer is not null) layers.Add(layer);
                }
                return layers;
            }

            private LayerSpec ReadResidual(IReadOnlyList<AttributeData> attributes, ref int index, AttributeData opener, AttributeArguments arguments,
                LocationInfo? location, LocationInfo? anchor, Dictionary<string, int> counts)
            {
                string name = Name(arguments, "residual", counts);
                List<LayerSpec> main = ReadSequence(attributes, ref index, anchor, counts, new[] { "ShortcutAttribute", "EndResidualAttribute" });
                string? shortcutName = null;
                bool onlyWhenShapeChanges = false;
                var shortcut = new List<LayerSpec>();
                if (index < attributes.Count && ShortName(attributes[index]) == "ShortcutAttribute")
                {
                    var shortcutArguments = new AttributeArguments(attributes[index]);
                    shortcutName = shortcutArguments.String("name");
                    onlyWhenShapeChanges = shortcutArguments.Bool("OnlyWhenShapeChanges", false);
                    index++;
                    shortcut = ReadSequence(attributes, ref index, anchor, new Dictionary<string, int>(StringComparer.Ordinal), new[] { "EndResidualAttribute" });
                }
                if (index < attributes.Count && ShortName(attributes[index]) == "EndResidualAttribute")
                {
                    index++;
                }
                else
                {
                    Unbalanced(opener, anchor, "[Residual] is not closed; add [EndResidual] after its main path (and [Shortcut] layers, if any)");
                }
                return new ResidualSpec(name, location, main.ToEquatableArray(), shortcutName, shortcut.ToEquatableArray(), onlyWhenShapeChanges);
            }

            private LayerSpec ReadConcat(IReadOnlyList<AttributeData> attributes, ref int index, AttributeData opener, AttributeArguments arguments,
                LocationInfo? location, LocationInfo? anchor, Dictionary<string, int> counts)
            {
                string name = Name(arguments, "concat", counts);
                var branches = new List<BranchSpec>();
                while (index < attributes.Count && ShortName(attributes[index]) == "BranchAttribute")
                {
                    string? branchName = new AttributeArguments(attributes[index]).String("name");
                    index++;
                    // A named branch adds a name segment, so its layers count afresh; an unnamed one adds none,
                    // so its unnamed layers continue the enclosing count (relu1, relu2 …) instead of colliding.
                    Dictionary<string, int> branchCounts = branchName is null ? counts : new Dictionary<string, int>(StringComparer.Ordinal);
                    List<LayerSpec> layers = ReadSequence(attributes, ref index, anchor, branchCounts, new[] { "BranchAttribute", "EndConcatAttribute" });
                    branches.Add(new BranchSpec(branchName, layers.ToEquatableArray()));
                }
                if (index < attributes.Count && ShortName(attributes[index]) == "EndConcatAttribute")
                {
                    index++;
                }
                else
                {
                    Unbalanced(opener, anchor, branches.Count == 0
                        ? "[Concat] must be followed by [Branch] markers, each starting one branch, and closed by [EndConcat]"
                        : "[Concat] is not closed; add [EndConcat] after its last branch");
                }
                if (branches.Count == 0 && index <= attributes.Count)
                {
                    Unbalanced(opener, anchor, "[Concat] has no [Branch]; start each branch with [Branch(\"name\")]");
                }
                return new ConcatSpec(name, location, branches.ToEquatableArray());
            }

            private LayerSpec? ReadUse(AttributeData attribute, AttributeArguments arguments, LocationInfo? location, LocationInfo? anchor)
            {
                LocationInfo? reportAt = anchor ?? location;
                INamedTypeSymbol blockType = (INamedTypeSymbol)attribute.AttributeClass!.TypeArguments[0];
                string name = arguments.String("name") ?? "";
                BlockSpec? block = ReadBlock(blockType, reportAt!);
                if (block is null) return null;

                var values = new List<SizeArg>();
                if (attribute.ConstructorArguments.Length > 1 && attribute.ConstructorArguments[1].Kind == TypedConstantKind.Array)
                {
                    foreach (TypedConstant value in attribute.ConstructorArguments[1].Values)
                    {
                        SizeArg? argument = AttributeArguments.ToSizeArg(value);
                        if (argument is null)
                        {
                            Diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidSizeExpression, reportAt, "Use<" + blockType.Name + ">", name,
                                "argument", $"{value.Value ?? "null"} is not an integer or an expression string"));
                            return null;
                        }
                        values.Add(argument);
                    }
                }
                int required = block.Parameters.Count(p => p.Default is null);
                if (values.Count < required || values.Count > block.Parameters.Count)
                {
                    string wanted = string.Join(", ", block.Parameters.Select(p => p.Default is null ? p.Name : $"{p.Name} = {p.Default}"));
                    Diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.BlockArgumentCount, reportAt, blockType.Name, name,
                        $"({wanted})", values.Count.ToString(CultureInfo.InvariantCulture)));
                    return null;
                }
                for (int i = values.Count; i < block.Parameters.Count; i++) values.Add(SizeArg.Of(block.Parameters[i].Default!.Value));
                return new UseSpec(name, location, block, values.ToEquatableArray());
            }

            private BlockSpec? ReadBlock(INamedTypeSymbol blockType, LocationInfo location)
            {
                if (_blocks.TryGetValue(blockType, out BlockSpec? cached)) return cached;
                if (_blockStack.Contains(blockType, SymbolEqualityComparer.Default))
                {
                    string chain = string.Join(" → ", _blockStack.Select(b => b.Name).Concat(new[] { blockType.Name }));
                    Diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.RecursiveBlock, location, blockType.Name, chain));
                    return null;
                }

                AttributeData? blockAttribute = blockType.GetAttributes().FirstOrDefault(a => ShortName(a) == "BlockAttribute");
                if (blockAttribute is null)
                {
                    Diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.NotABlock, location, blockType.Name));
                    return null;
                }
                var parameters = new List<BlockParameterSpec>();
                if (blockAttribute.ConstructorArguments.Length == 1 && blockAttribute.ConstructorArguments[0].Kind == TypedConstantKind.Array)
                {
                    foreach (TypedConstant value in blockAttribute.ConstructorArguments[0].Values)
                    {
                        BlockParameterSpec? parameter = ParseParameter(value.Value as string);
                        if (parameter is null)
                        {
                            Diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.InvalidBlockParameter, location, blockType.Name, value.Value as string ?? "null"));
                            return null;
                        }
                        parameters.Add(parameter);
                    }
                }

                _blockStack.Add(blockType);
                List<AttributeData> body = blockType.GetAttributes().Where(a => ShortName(a) is string n && n != "BlockAttribute").ToList();
                EquatableArray<LayerSpec> layers = ReadBody(body, location);
                _blockStack.RemoveAt(_blockStack.Count - 1);

                var block = new BlockSpec(blockType.Name, parameters.ToEquatableArray(), layers);
                _blocks[blockType] = block;
                return block;
            }

            /// <summary>"planes" or "stride = 1".</summary>
            private static BlockParameterSpec? ParseParameter(string? text)
            {
                if (text is null) return null;
                string[] parts = text.Split('=');
                string name = parts[0].Trim();
                if (parts.Length > 2 || name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsLetterOrDigit(c) || c == '_')) return null;
                if (parts.Length == 1) return new BlockParameterSpec(name, null);
                return int.TryParse(parts[1].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) ? new BlockParameterSpec(name, value) : null;
            }

            /// <summary>A plain layer: its kind, found by attribute name, reads its own arguments.</summary>
            private static LayerSpec? ReadLayer(string attributeName, AttributeArguments a, LocationInfo? location, Dictionary<string, int> counts)
            {
                Layers.LayerKind? kind = Layers.LayerKinds.ForAttribute(attributeName);
                return kind?.Parse(attributeName, a, location, prefix => Name(a, prefix, counts));
            }

            private void Unbalanced(AttributeData attribute, LocationInfo? anchor, string message)
                => Diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.UnbalancedComposition, anchor ?? Location(attribute), message));

            private static string Display(AttributeData attribute) => ShortName(attribute)!.Replace("Attribute", "");

            private static string Opener(AttributeData attribute) => ShortName(attribute) switch
            {
                "ShortcutAttribute" or "EndResidualAttribute" => "Residual",
                _ => "Concat",
            };

            /// <summary>The given name, or the kind followed by its 1-based count in this scope ("relu2").</summary>
            private static string Name(AttributeArguments a, string kind, Dictionary<string, int> counts)
            {
                counts.TryGetValue(kind, out int count);
                counts[kind] = ++count;
                return a.String("name") ?? kind + count.ToString(CultureInfo.InvariantCulture);
            }
        }
    }
}
