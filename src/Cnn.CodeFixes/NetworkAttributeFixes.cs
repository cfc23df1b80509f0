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
    /// BatchNorm1d. An error reported at a [Use&lt;Block&gt;] (inside a block instance) gets no fix here,
    /// since the edit belongs in the block.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NetworkAttributeFixes)), Shared]
    public sealed class NetworkAttributeFixes : CodeFixProvider
    {
        public const string DenseOnImage = "CNN0009";
        public const string ChannelMismatch = "CNN0004";
        public const string InFeaturesMismatch = "CNN0008";
        public const string BatchNormWrongRank = "CNN0027";

        private static readonly Regex SetInChannels = new Regex(@"set InChannels = (\d+)", RegexOptions.CultureInvariant);
        private static readonly Regex SetInFeatures = new Regex(@"set InFeatures = (\d+)", RegexOptions.CultureInvariant);

        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(DenseOnImage, ChannelMismatch, InFeaturesMismatch, BatchNormWrongRank);

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
