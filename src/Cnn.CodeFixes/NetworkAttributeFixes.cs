using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cnn.CodeFixes
{
    /// <summary>
    /// One-edit fixes for the generator's shape errors, each at the attribute the error points to:
    /// CNN0009 inserts [Flatten] before the Linear; CNN0004/CNN0008 set InChannels/InFeatures to the
    /// value that arrives (read from the message, which states it); CNN0027 swaps BatchNorm2d and
    /// BatchNorm1d; CNN0022 on a residual with no shortcut adds torchvision's downsample (a 1×1
    /// Conv2d to the main path's channels and stride, and a BatchNorm2d) before its [EndResidual]. An error reported at a [Use&lt;Block&gt;] (inside a block instance) gets no fix here,
    /// since the edit belongs in the block.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NetworkAttributeFixes)), Shared]
    public sealed class NetworkAttributeFixes : CodeFixProvider
    {
        public const string DenseOnImage = "CNN0009";
        public const string ChannelMismatch = "CNN0004";
        public const string InFeaturesMismatch = "CNN0008";
        public const string BatchNormWrongRank = "CNN0027";
        public const string ResidualShapeMismatch = "CNN0022";

        private static readonly Regex SetInChannels = new Regex(@"set InChannels = (\d+)", RegexOptions.CultureInvariant);
        private static readonly Regex SetInFeatures = new Regex(@"set InFeatures = (\d+)", RegexOptions.CultureInvariant);
        private static readonly Regex AddDownsample = new Regex(@"1×1 Conv2d to (\d+) channels with stride (\d+)", RegexOptions.CultureInvariant);

        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(DenseOnImage, ChannelMismatch, InFeaturesMismatch, BatchNormWrongRank, ResidualShapeMismatch);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null) return;
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                AttributeSyntax? attribute = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                    .AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault();
                if (attribute is null) continue;
                string name = SimpleName(attribute);
                string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
                switch (diagnostic.Id)
                {
                    case DenseOnImage when name == "Linear" && attribute.Parent is AttributeListSyntax:
                        Register(context, diagnostic, "Add [Flatten] before this layer", root, r => InsertFlatten(r, attribute));
                        break;
                    case ChannelMismatch when SetInChannels.Match(message) is { Success: true } m:
                        Register(context, diagnostic, $"Set InChannels = {m.Groups[1].Value}", root, r => SetNamedArgument(r, attribute, "InChannels", m.Groups[1].Value));
                        break;
                    case InFeaturesMismatch when SetInFeatures.Match(message) is { Success: true } m:
                        Register(context, diagnostic, $"Set InFeatures = {m.Groups[1].Value}", root, r => SetNamedArgument(r, attribute, "InFeatures", m.Groups[1].Value));
                        break;
                    case BatchNormWrongRank when name == "BatchNorm2d" || name == "BatchNorm1d":
                        string other = name == "BatchNorm2d" ? "BatchNorm1d" : "BatchNorm2d";
                        Register(context, diagnostic, $"Use [{other}]", root, r => Rename(r, attribute, other));
                        break;
                    case ResidualShapeMismatch when name == "Residual" && AddDownsample.Match(message) is { Success: true } m
                                                    && MatchingEndResidual(attribute) is AttributeListSyntax end:
                        string channels = m.Groups[1].Value, stride = m.Groups[2].Value;
                        Register(context, diagnostic, $"Add a [Shortcut] with a 1×1 Conv2d to {channels} channels, stride {stride}", root,
                            r => InsertDownsample(r, end, channels, stride));
                        break;
                }
            }
        }

        private static void Register(CodeFixContext context, Diagnostic diagnostic, string title, SyntaxNode root, System.Func<SyntaxNode, SyntaxNode> edit)
        {
            Document document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(title, (CancellationToken _) => Task.FromResult(document.WithSyntaxRoot(edit(root))), equivalenceKey: diagnostic.Id + ":" + title),
                diagnostic);
        }

        /// <summary>"Linear" for Linear, LinearAttribute, Cnn.Linear and global::Cnn.LinearAttribute.</summary>
        private static string SimpleName(AttributeSyntax attribute)
        {
            NameSyntax name = attribute.Name;
            while (true)
            {
                if (name is QualifiedNameSyntax qualified) name = qualified.Right;
                else if (name is AliasQualifiedNameSyntax alias) name = alias.Name;
                else break;
            }
            string text = name is SimpleNameSyntax simple ? simple.Identifier.ValueText : name.ToString();
            return text.EndsWith("Attribute", System.StringComparison.Ordinal) ? text.Substring(0, text.Length - "Attribute".Length) : text;
        }

        private static SyntaxNode InsertFlatten(SyntaxNode root, AttributeSyntax linear)
        {
            var list = (AttributeListSyntax)linear.Parent!;
            AttributeListSyntax flatten = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("Flatten"))))
                .WithLeadingTrivia(list.GetLeadingTrivia())
                .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"));
            if (list.Attributes.Count == 1)
                return root.InsertNodesBefore(list, new[] { flatten });
            // [A, Linear(...)]: put Flatten into the same list, just before the Linear.
            int index = list.Attributes.IndexOf(linear);
            AttributeListSyntax widened = list.WithAttributes(list.Attributes.Insert(index, SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("Flatten"))));
            return root.ReplaceNode(list, widened);
        }

        /// <summary>The attribute list of the [EndResidual] that closes <paramref name="residual"/>, nested residuals skipped; null when it has none.</summary>
        private static AttributeListSyntax? MatchingEndResidual(AttributeSyntax residual)
        {
            if (residual.Parent is not AttributeListSyntax { Parent: MemberDeclarationSyntax owner } opener) return null;
            int depth = 0;
            bool started = false;
            foreach (AttributeListSyntax list in owner.AttributeLists)
            {
                foreach (AttributeSyntax attribute in list.Attributes)
                {
                    if (attribute == residual) { started = true; depth = 1; continue; }
                    if (!started) continue;
                    string name = SimpleName(attribute);
                    if (name == "Residual") depth++;
                    else if (name == "EndResidual" && --depth == 0) return list.Attributes.Count == 1 ? list : null;
                }
            }
            return null;
        }

        /// <summary>Inserts [Shortcut("downsample")], [Conv2d("0", channels, 1, Stride = stride, Bias = false)] and [BatchNorm2d("1")] before <paramref name="end"/>.</summary>
        private static SyntaxNode InsertDownsample(SyntaxNode root, AttributeListSyntax end, string channels, string stride)
        {
            string[] lines =
            {
                "[Shortcut(\"downsample\")]",
                stride == "1" ? $"[Conv2d(\"0\", {channels}, 1, Bias = false)]" : $"[Conv2d(\"0\", {channels}, 1, Stride = {stride}, Bias = false)]",
                "[BatchNorm2d(\"1\")]",
            };
            var added = lines.Select(line => SyntaxFactory.ParseCompilationUnit(line + " class C { }").Members[0].AttributeLists[0]
                .WithLeadingTrivia(end.GetLeadingTrivia())
                .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n")));
            return root.InsertNodesBefore(end, added);
        }

        private static SyntaxNode SetNamedArgument(SyntaxNode root, AttributeSyntax attribute, string property, string value)
        {
            ExpressionSyntax literal = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)));
            AttributeArgumentListSyntax arguments = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
            AttributeArgumentSyntax? existing = arguments.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == property);
            AttributeSyntax updated = existing is not null
                ? attribute.ReplaceNode(existing.Expression, literal.WithTriviaFrom(existing.Expression))
                : attribute.WithArgumentList(arguments.AddArguments(SyntaxFactory.AttributeArgument(literal)
                    .WithNameEquals(SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(property)).WithTrailingTrivia(SyntaxFactory.Space))));
            return root.ReplaceNode(attribute, updated);
        }

        private static SyntaxNode Rename(SyntaxNode root, AttributeSyntax attribute, string newName)
            => root.ReplaceNode(attribute, attribute.WithName(SyntaxFactory.IdentifierName(newName).WithTriviaFrom(attribute.Name)));
    }
}
