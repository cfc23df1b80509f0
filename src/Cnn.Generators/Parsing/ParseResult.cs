using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Model;

namespace Cnn.Generators.Parsing
{
    /// <summary>What the parser makes of one [Network] class: a spec, or the reasons there is none.</summary>
    internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
}
