using Cnn.Backends;

namespace Cnn.Compare.Profiling;

/// <summary>
/// Floating-point operations of one image through a layer, from its geometry: 2 per multiply-add of
/// the convolution or matrix product, nothing for bias, activation, pooling or batch norm (as
/// torch_bench.py's forward_flops counts). The backward pass is the weight gradient (as many
/// multiply-adds as the forward) plus, unless the layer is asked for none (a first layer), the input
/// gradient (as many again).
/// </summary>
internal static class LayerFlops
{
    /// <summary>Multiply-adds per image: every output element sums (InChannels / Groups) · KernelHeight · KernelWidth products.</summary>
    public static double ConvolutionMultiplyAdds(in Conv2dGeometry g) =>
        (double)g.OutChannels * g.OutHeight * g.OutWidth * (g.InChannels / g.Groups) * g.KernelHeight * g.KernelWidth;

    /// <summary>FLOPs per image of a convolution's forward pass.</summary>
    public static double ConvolutionForward(in Conv2dGeometry g) => 2 * ConvolutionMultiplyAdds(g);

    /// <summary>FLOPs per image of a convolution's backward pass: weight gradient, and input gradient when <paramref name="inputGradient"/>.</summary>
    public static double ConvolutionBackward(in Conv2dGeometry g, bool inputGradient) => (inputGradient ? 4 : 2) * ConvolutionMultiplyAdds(g);

    /// <summary>FLOPs per image of a fully connected layer's forward pass.</summary>
    public static double LinearForward(in LinearGeometry g) => 2.0 * g.InFeatures * g.OutFeatures;

    /// <summary>FLOPs per image of a fully connected layer's backward pass: weight gradient, and input gradient when <paramref name="inputGradient"/>.</summary>
    public static double LinearBackward(in LinearGeometry g, bool inputGradient) => (inputGradient ? 4.0 : 2.0) * g.InFeatures * g.OutFeatures;
}
