using System.Collections.Generic;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Parsing;
using Cnn.Generators.Shapes;

namespace Cnn.Generators
{
    /// <summary>What the emitter needs for one class: the shaped network (null when it has errors) and every diagnostic.</summary>
    internal sealed record NetworkModel(string HintName, ShapedNetwork? Network, EquatableArray<DiagnosticInfo> Diagnostics)
    {
        public static NetworkModel From(ParseResult parsed)
        {
            // Shapes of a network the parser already rejected would only add follow-on errors.
            if (parsed.Spec is null || parsed.Diagnostics.Count > 0) return new NetworkModel("", null, parsed.Diagnostics);
            ShapeResult shapes = ShapeInference.Infer(parsed.Spec);
            var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
            diagnostics.AddRange(shapes.Errors);
            ShapedNetwork? network = diagnostics.Count == 0 ? shapes.Network : null;
            return new NetworkModel(Emitting.NetworkEmitter.HintName(parsed.Spec), network, diagnostics.ToEquatableArray());
        }
    }
}
