using Cnn.Generators.Diagnostics;
using Cnn.Generators.Emitting;
using Cnn.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Cnn.Generators
{
    /// <summary>
    /// The pipeline: [Network] classes → <see cref="ParseResult"/> (parsing) → <see cref="NetworkModel"/>
    /// (shape inference) → diagnostics and source (emitting). Every stage's output is value-equatable,
    /// so an edit elsewhere leaves these steps cached.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class NetworkGenerator : IIncrementalGenerator
    {
        internal const string NetworkAttributeName = "Cnn.NetworkAttribute";

        /// <summary>Step names, for incremental-caching tests.</summary>
        internal static class TrackingNames
        {
            public const string Parse = nameof(Parse);
            public const string Shapes = nameof(Shapes);
        }

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<NetworkModel> models = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    NetworkAttributeName,
                    predicate: static (node, _) => node is ClassDeclarationSyntax,
                    transform: NetworkParser.Parse)
                .WithTrackingName(TrackingNames.Parse)
                .Select(static (parsed, _) => NetworkModel.From(parsed))
                .WithTrackingName(TrackingNames.Shapes);

            context.RegisterSourceOutput(models, static (output, model) =>
            {
                foreach (DiagnosticInfo info in model.Diagnostics)
                {
                    output.ReportDiagnostic(ToDiagnostic(info));
                }
                if (model.Network is not null)
                {
                    output.AddSource(model.HintName, SourceText.From(NetworkEmitter.Emit(model.Network), System.Text.Encoding.UTF8));
                }
            });
        }

        private static Diagnostic ToDiagnostic(DiagnosticInfo info)
        {
            Location location = info.Location is null
                ? Location.None
                : Location.Create(
                    info.Location.FilePath,
                    new TextSpan(info.Location.Start, info.Location.Length),
                    new LinePositionSpan(
                        new LinePosition(info.Location.StartLine, info.Location.StartColumn),
                        new LinePosition(info.Location.EndLine, info.Location.EndColumn)));
            object[] arguments = new object[info.Arguments.Count];
            for (int i = 0; i < arguments.Length; i++) arguments[i] = info.Arguments[i];
            return Diagnostic.Create(DiagnosticDescriptors.ById[info.Id], location, arguments);
        }
    }
}
