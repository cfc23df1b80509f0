using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Cnn.Generators.Diagnostics
{
    /// <summary>
    /// Every diagnostic the generator reports. Ids are stable; messages say what to change.
    /// Shape inference refers to these by id only, so that it stays free of Roslyn types.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "Cnn";

        /// <summary>Each id's help page is docs/diagnostics/{id}.md in the repository.</summary>
        public const string HelpLinkBase = "https://github.com/cnn-dotnet/cnn/blob/main/docs/diagnostics/";


        public static readonly DiagnosticDescriptor NotPartial = Error(DiagnosticIds.NotPartial,
            "Network class must be partial",
            "Network class '{0}' must be declared 'partial' so that the generator can add its forward and backward code; write 'partial class {0}'");

        public static readonly DiagnosticDescriptor MissingInput = Error(DiagnosticIds.MissingInput,
            "Network has no input shape",
            "Network '{0}' has no input shape; add [Input(channels, height, width)] for images or [Input(features)] for flat data");

        public static readonly DiagnosticDescriptor NoLayers = Error(DiagnosticIds.NoLayers,
            "Network has no layers",
            "Network '{0}' declares no layers; add layer attributes such as [Conv2d(\"conv1\", 32, 3)] or [Linear(\"fc\", 10)] after [Network]");

        public static readonly DiagnosticDescriptor ChannelMismatch = Error(DiagnosticIds.ChannelMismatch,
            "Input channels do not match",
            "{0} '{1}' expects {2} input channels but {3} produces {4}; set InChannels = {4}, or {5}");

        public static readonly DiagnosticDescriptor NonPositiveSize = Error(DiagnosticIds.NonPositiveSize,
            "Size must be positive",
            "{0} '{1}' has {2} = {3}; it must be {4}");

        public static readonly DiagnosticDescriptor KernelLargerThanInput = Error(DiagnosticIds.KernelLargerThanInput,
            "Kernel larger than its padded input",
            "{0} '{1}' has an effective kernel of {2} but its input is only {3} after padding {4}; use a smaller kernel, more padding, or fewer downsampling layers before it");

        public static readonly DiagnosticDescriptor SpatialCollapse = Error(DiagnosticIds.SpatialCollapse,
            "Spatial size collapses to zero",
            "{0} '{1}' with kernel {2} would reduce its {3}×{4} input to nothing; remove it, use a smaller kernel, or downsample less before it");

        public static readonly DiagnosticDescriptor LinearInFeaturesMismatch = Error(DiagnosticIds.LinearInFeaturesMismatch,
            "Linear input size does not match",
            "Linear '{0}' declares InFeatures = {1} but {2} produces {3} features; set InFeatures = {3} or remove InFeatures to infer it");

        public static readonly DiagnosticDescriptor DenseOnImage = Error(DiagnosticIds.DenseOnImage,
            "Linear layer applied to an image tensor",
            "Linear '{0}' receives the 4-D tensor (N, {1}, {2}, {3}) from {4}; add [Flatten] before it to get {5} features");

        public static readonly DiagnosticDescriptor DuplicateLayerName = Error(DiagnosticIds.DuplicateLayerName,
            "Duplicate layer name",
            "Layer name '{0}' is used twice; give one of the two layers another name (names become PyTorch state_dict names, so each must be unique)");

        public static readonly DiagnosticDescriptor ImageLayerOnFlatInput = Error(DiagnosticIds.ImageLayerOnFlatInput,
            "Image layer applied to a flat tensor",
            "{0} '{1}' needs a (channels, height, width) input but {2} produces the flat tensor (N, {3}); move it before [Flatten] or use an image [Input]");

        public static readonly DiagnosticDescriptor InvalidLayerName = Error(DiagnosticIds.InvalidLayerName,
            "Invalid layer name",
            "Layer name '{0}' is not valid; use letters, digits and underscores, optionally in dotted segments as PyTorch names them, e.g. \"conv1\" or \"features.0\"");

        public static readonly DiagnosticDescriptor InvalidSamePadding = Error(DiagnosticIds.InvalidSamePadding,
            "Same padding is not possible",
            "Conv2d '{0}' uses PaddingMode.Same with {1}; Same needs stride 1 and an odd effective kernel; set Padding explicitly instead");

        public static readonly DiagnosticDescriptor GroupsMismatch = Error(DiagnosticIds.GroupsMismatch,
            "Channels not divisible by groups",
            "Conv2d '{0}' has Groups = {1} but {2} channels = {3} is not divisible by {1}; choose Groups that divides both input and output channels");

        public static readonly DiagnosticDescriptor DropoutProbability = Error(DiagnosticIds.DropoutProbability,
            "Dropout probability out of range",
            "Dropout '{0}' has probability {1}; it must be at least 0 and less than 1");

        public static readonly DiagnosticDescriptor SoftmaxOnImage = Error(DiagnosticIds.SoftmaxOnImage,
            "Softmax applied to an image tensor",
            "{0} '{1}' receives the 4-D tensor (N, {2}, {3}, {4}); add [Flatten] (and a Linear classifier) before it");

        public static readonly DiagnosticDescriptor PoolPaddingTooLarge = Error(DiagnosticIds.PoolPaddingTooLarge,
            "Pooling padding too large",
            "{0} '{1}' has {2} = {3} but a kernel of {4}; padding must be at most half the kernel ({5})");

        public static readonly DiagnosticDescriptor UnsupportedClass = Error(DiagnosticIds.UnsupportedClass,
            "Unsupported network class",
            "Network class '{0}' is {1}; declare it as a non-generic, top-level partial class");

        public static readonly DiagnosticDescriptor DuplicateInput = Error(DiagnosticIds.DuplicateInput,
            "Input declared twice",
            "Network '{0}' declares [Input] more than once; keep one");

        public static readonly DiagnosticDescriptor InvalidSizeExpression = Error(DiagnosticIds.InvalidSizeExpression,
            "Invalid size",
            "{0} '{1}' has an invalid {2}: {3}");

        public static readonly DiagnosticDescriptor UnbalancedComposition = Error(DiagnosticIds.UnbalancedComposition,
            "Unbalanced residual or concat markers",
            "{0}");

        public static readonly DiagnosticDescriptor ResidualShapeMismatch = Error(DiagnosticIds.ResidualShapeMismatch,
            "Residual branches have different shapes",
            "Residual in {0}: the main path gives {1} but {2} gives {3}; {4}");

        public static readonly DiagnosticDescriptor ConcatSpatialMismatch = Error(DiagnosticIds.ConcatSpatialMismatch,
            "Concatenated branches have different spatial sizes",
            "Concat in {0}: branch {1} gives {2} but branch {3} gives {4}; every branch must keep the same height and width (check their padding and stride)");

        public static readonly DiagnosticDescriptor BlockArgumentCount = Error(DiagnosticIds.BlockArgumentCount,
            "Wrong number of block arguments",
            "Block '{0}' used as '{1}' takes {2} but was given {3} argument(s)");

        public static readonly DiagnosticDescriptor RecursiveBlock = Error(DiagnosticIds.RecursiveBlock,
            "Recursive block",
            "Block '{0}' uses itself ({1}); a block cannot contain itself");

        public static readonly DiagnosticDescriptor NotABlock = Error(DiagnosticIds.NotABlock,
            "Used type is not a block",
            "'{0}' is used with [Use<{0}>] but has no [Block] attribute; declare it with [Block(\"param\", ...)] followed by its layers");

        public static readonly DiagnosticDescriptor BatchNormWrongRank = Error(DiagnosticIds.BatchNormWrongRank,
            "Batch norm of the wrong kind",
            "{0} '{1}' receives {2} from {3}; use [{4}] here");

        public static readonly DiagnosticDescriptor InvalidBlockParameter = Error(DiagnosticIds.InvalidBlockParameter,
            "Invalid block parameter",
            "Block '{0}' declares the parameter \"{1}\"; write a name, optionally with an integer default, e.g. \"stride = 1\"");

        /// <summary>Every descriptor by id, for turning <see cref="DiagnosticInfo"/> back into diagnostics.</summary>
        public static readonly IReadOnlyDictionary<string, DiagnosticDescriptor> ById = new Dictionary<string, DiagnosticDescriptor>
        {
            [DiagnosticIds.NotPartial] = NotPartial,
            [DiagnosticIds.MissingInput] = MissingInput,
            [DiagnosticIds.NoLayers] = NoLayers,
            [DiagnosticIds.ChannelMismatch] = ChannelMismatch,
            [DiagnosticIds.NonPositiveSize] = NonPositiveSize,
            [DiagnosticIds.KernelLargerThanInput] = KernelLargerThanInput,
            [DiagnosticIds.SpatialCollapse] = SpatialCollapse,
            [DiagnosticIds.LinearInFeaturesMismatch] = LinearInFeaturesMismatch,
            [DiagnosticIds.DenseOnImage] = DenseOnImage,
            [DiagnosticIds.DuplicateLayerName] = DuplicateLayerName,
            [DiagnosticIds.ImageLayerOnFlatInput] = ImageLayerOnFlatInput,
            [DiagnosticIds.InvalidLayerName] = InvalidLayerName,
            [DiagnosticIds.InvalidSamePadding] = InvalidSamePadding,
            [DiagnosticIds.GroupsMismatch] = GroupsMismatch,
            [DiagnosticIds.DropoutProbability] = DropoutProbability,
            [DiagnosticIds.SoftmaxOnImage] = SoftmaxOnImage,
            [DiagnosticIds.PoolPaddingTooLarge] = PoolPaddingTooLarge,
            [DiagnosticIds.UnsupportedClass] = UnsupportedClass,
            [DiagnosticIds.DuplicateInput] = DuplicateInput,
            [DiagnosticIds.InvalidSizeExpression] = InvalidSizeExpression,
            [DiagnosticIds.UnbalancedComposition] = UnbalancedComposition,
            [DiagnosticIds.ResidualShapeMismatch] = ResidualShapeMismatch,
            [DiagnosticIds.ConcatSpatialMismatch] = ConcatSpatialMismatch,
            [DiagnosticIds.BlockArgumentCount] = BlockArgumentCount,
            [DiagnosticIds.RecursiveBlock] = RecursiveBlock,
            [DiagnosticIds.NotABlock] = NotABlock,
            [DiagnosticIds.BatchNormWrongRank] = BatchNormWrongRank,
            [DiagnosticIds.InvalidBlockParameter] = InvalidBlockParameter,
        };

        private static DiagnosticDescriptor Error(string id, string title, string message)
            => new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");
    }
}
