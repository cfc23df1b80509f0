using System.Collections.Generic;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Parsing;
using Cnn.Generators.Planning;
using Cnn.Generators.Shapes;

namespace Cnn.Generators
{
    /// <summary>
    /// The result of shape inference for one class: the code model and the diagnostics, which the
    /// pipeline then splits so that the code model, which holds no location, is cached on its own.
    /// </summary>
    internal sealed record NetworkModel(EmitModel? Code, EquatableArray<DiagnosticInfo> Diagnostics)
    {
        public static NetworkModel From(ParseResult parsed)
        {
            // A class the parser could not read (not partial, nested, generic) gets no code at all.
            if (parsed.Spec is null) return new NetworkModel(null, parsed.Diagnostics);
            var identity = NetworkIdentity.Of(parsed.Spec);
            // Shapes of a network the parser already rejected would only add follow-on errors.
            if (parsed.Diagnostics.Count > 0) return new NetworkModel(new EmitModel(identity, null, null), parsed.Diagnostics);
            ShapeResult shapes = ShapeInference.Infer(parsed.Spec);
            var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
            diagnostics.AddRange(shapes.Errors);
            ShapedNetwork? network = diagnostics.Count == 0 ? shapes.Network : null;
            NetworkPlans? plans = network is null ? null : ExecutionPlanner.PlanBoth(network, parsed.Spec.Fuse);
            return new NetworkModel(new EmitModel(identity, network, plans), diagnostics.ToEquatableArray());
        }
    }

    /// <summary>
    /// What the emitter needs: the class, and its shaped network, or null when the network has errors
    /// (then the members are emitted with bodies that throw), and its plans for training and inference. No locations: moving lines leaves it equal.
    /// </summary>
    internal sealed record EmitModel(NetworkIdentity Identity, ShapedNetwork? Network, NetworkPlans? Plans);
}
