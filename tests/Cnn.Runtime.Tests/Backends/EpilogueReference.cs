using Cnn.Backends;
using Cnn.Backends.Cpu.Reference;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// A fused convolution's epilogue in double, layer by layer, for the tests that check a fused kernel
/// against <see cref="Conv2dReference"/>: the inference batch norm (running statistics) where the
/// epilogue has one, then its activation.
/// </summary>
internal static class EpilogueReference
{
    /// <summary>
    /// The epilogue the fused-kernel tests name: "relu", "leaky" (slope 0.2), "sigmoid", "bn-relu" and
    /// "bn-negative-relu" (batch norm, then ReLU), "plain" (none);
    /// "relu-pool" is "relu" with <paramref name="pool"/>.
    /// </summary>
    public static Epilogue Named(string name, Conv2dGeometry g, Pool2dGeometry pool)
    {
        var norm = new BatchNormGeometry(g.MaxBatch, g.OutChannels, g.OutHeight * g.OutWidth, 1e-3f, 0.1f);
        ActivationGeometry Activation(ActivationKind kind, float slope = 0.01f) => new(kind, g.MaxBatch, g.OutputSize, slope);
        return name switch
        {
            "relu" => new Epilogue(Activation: Activation(ActivationKind.ReLU)),
            "relu-pool" => new Epilogue(Activation: Activation(ActivationKind.ReLU)) with { Pool = pool },
            "leaky" => new Epilogue(Activation: Activation(ActivationKind.LeakyReLU, 0.2f)),
            "sigmoid" => new Epilogue(Activation: Activation(ActivationKind.Sigmoid)),
            "bn-relu" or "bn-negative-relu" => new Epilogue(norm, Activation(ActivationKind.ReLU)),
            "plain" => Epilogue.None,
            _ => throw new ArgumentException(name),
        };
    }

    /// <summary>
    /// Applies <paramref name="epilogue"/>'s batch norm and activation in place to
    /// <paramref name="values"/>, the convolution's output of <paramref name="batch"/> images in <paramref name="g"/>'s layout.
    /// </summary>
    public static void Apply(Epilogue epilogue, Conv2dGeometry g, int batch, double[] values,
                             float[] gamma, float[] beta, float[] mean, float[] variance)
    {
        if (epilogue.BatchNorm is { } norm)
        {
            int plane = g.OutHeight * g.OutWidth, c = g.OutChannels;
            for (int i = 0; i < values.Length; i++)
            {
                int channel = i / plane % c;
                values[i] = (values[i] - mean[channel]) / Math.Sqrt((double)variance[channel] + norm.Epsilon) * gamma[channel] + beta[channel];
            }
        }
        if (epilogue.Activation is { } activation)
            ActivationReference.Forward<double>(activation.Kind, batch, g.OutputSize, values, values, activation.NegativeSlope);
    }
}
