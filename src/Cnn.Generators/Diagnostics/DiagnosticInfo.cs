using Cnn.Generators.Helpers;

namespace Cnn.Generators.Diagnostics
{
    /// <summary>A diagnostic as data: descriptor id, where, and the message arguments.</summary>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
    {
        public static DiagnosticInfo Create(string id, LocationInfo? location, params string[] arguments)
            => new DiagnosticInfo(id, location, arguments.ToEquatableArray());
    }
}
