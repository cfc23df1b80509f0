using Cnn.Generators.Diagnostics;
using Cnn.Generators.Emitting;
using Cnn.Generators.Helpers;
using Cnn.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Cnn.Generators
{
    /// <summary>
    /// The pipeline: [Network] classes → <see cref="ParseResult"/> (parsing) → <see cref="NetworkModel"/>
    /// (shape inference) → diagnostics, and apart from them the location-free <see cref="EmitModel"/> →
    /// source (emitting). Every stage's output is value-equatable, so an edit elsewhere leaves these
    /// steps cached, and moving a network's lines re-emits nothing.
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
            public const string Diagnostics = nameof(Diagnostics);
            public const string Code = nameof(Code);
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

            // Diagnostics carry locations; the code model does not. Split, a moved line re-reports
            // (cheaply) but does not re-emit, as System.Text.Json's generator does.
            IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = models
                .Select(static (model, _) => model.Diagnostics)
                .WithTrackingName(TrackingNames.Diagnostics);
            IncrementalValuesProvider<EmitModel> code = models
                .Where(static model => model.Code is not null)
                .Select(static (model, _) => model.Code!)
                .WithTrackingName(TrackingNames.Code);

            context.RegisterSourceOutput(diagnostics, static (output, infos) =>
            {
                foreach (DiagnosticInfo info in infos)
                {
                    output.ReportDiagnostic(ToDiagnostic(info));
                }
            });
            context.RegisterSourceOutput(code, static (output, model) =>
            {
                string source = model.Network is null ? NetworkEmitter.EmitInvalid(model.Identity) : NetworkEmitter.Emit(model.Network, model.Plans!);
                output.AddSource(model.Identity.HintName, SourceText.From(source, System.Text.Encoding.UTF8));
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
