namespace Cnn.Generators.Diagnostics
{
    /// <summary>Stable diagnostic ids. Plain constants, so that shape inference can name a diagnostic without Roslyn types.</summary>
    internal static class DiagnosticIds
    {
        public const string NotPartial = "CNN0001";
        public const string MissingInput = "CNN0002";
        public const string NoLayers = "CNN0003";
        public const string ChannelMismatch = "CNN0004";
        public const string NonPositiveSize = "CNN0005";
        public const string KernelLargerThanInput = "CNN0006";
        public const string SpatialCollapse = "CNN0007";
        public const string LinearInFeaturesMismatch = "CNN0008";
        public const string DenseOnImage = "CNN0009";
        public const string DuplicateLayerName = "CNN0010";
        public const string ImageLayerOnFlatInput = "CNN0011";
        public const string InvalidLayerName = "CNN0012";
        public const string InvalidSamePadding = "CNN0013";
        public const string GroupsMismatch = "CNN0014";
        public const string DropoutProbability = "CNN0015";
        public const string SoftmaxOnImage = "CNN0016";
        public const string PoolPaddingTooLarge = "CNN0017";
        public const string UnsupportedClass = "CNN0018";
        public const string DuplicateInput = "CNN0019";
        public const string InvalidSizeExpression = "CNN0020";
        public const string UnbalancedComposition = "CNN0021";
        public const string ResidualShapeMismatch = "CNN0022";
        public const string ConcatSpatialMismatch = "CNN0023";
        public const string BlockArgumentCount = "CNN0024";
        public const string RecursiveBlock = "CNN0025";
        public const string NotABlock = "CNN0026";
        public const string BatchNormWrongRank = "CNN0027";
        public const string InvalidBlockParameter = "CNN0028";
    }
}
