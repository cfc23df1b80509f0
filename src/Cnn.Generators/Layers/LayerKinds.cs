using System.Collections.Generic;

namespace Cnn.Generators.Layers
{
    /// <summary>The registry of layer kinds: the one list to extend when adding a kind.</summary>
    internal static class LayerKinds
    {
        public static IReadOnlyList<LayerKind> All { get; } = new LayerKind[]
        {
            Conv2dLayer.Instance,
            LinearLayer.Instance,
            Pool2dLayer.Instance,
            ActivationLayer.Instance,
            FlattenLayer.Instance,
            DropoutLayer.Instance,
            BatchNormLayer.Instance,
            ResidualLayer.Instance,
            ConcatLayer.Instance,
        };

        private static readonly Dictionary<string, LayerKind> s_byAttribute = Index();

        /// <summary>The kind that reads attribute class <paramref name="attribute"/> ("Conv2dAttribute"), or null.</summary>
        public static LayerKind? ForAttribute(string attribute) => s_byAttribute.TryGetValue(attribute, out LayerKind kind) ? kind : null;

        private static Dictionary<string, LayerKind> Index()
        {
            var index = new Dictionary<string, LayerKind>(System.StringComparer.Ordinal);
            foreach (LayerKind kind in All)
            {
                foreach (string attribute in kind.Attributes) index.Add(attribute, kind);
            }
            return index;
        }
    }
}
