using System.Globalization;

namespace Cnn.Training;

/// <summary>What was found non-finite first after a step whose loss was NaN or infinite.</summary>
public enum DivergenceSource
{
    /// <summary>The input batch itself: the data or its normalisation.</summary>
    Input,
    /// <summary>A layer's output, and that layer's parameters are not finite: the weights blew up in an earlier step.</summary>
    Parameter,
    /// <summary>A layer's output, from finite input and parameters: that layer overflowed.</summary>
    Activation,
    /// <summary>Every layer output was finite: the loss itself overflowed (or a label is out of range).</summary>
    Loss,
}

/// <summary>
/// Where a run diverged: the step, and the first layer, in execution order, whose output for the
/// batch is not finite, found by reading back each layer's output (<see cref="INetwork.LayerOutput"/>)
/// as the failed forward pass left it. A non-finite input batch is reported before any layer.
/// </summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Batch">The batch within the epoch, from 1.</param>
/// <param name="Step">The step over the whole run, from 1.</param>
/// <param name="Loss">The non-finite loss.</param>
/// <param name="Source">What was non-finite first.</param>
/// <param name="Layer">The first layer whose output is not finite (for the input, the layer it enters), or null when only the loss is.</param>
/// <param name="Tensor">For <see cref="DivergenceSource.Parameter"/>, the state_dict name of that layer's first non-finite parameter.</param>
/// <param name="Sample">For <see cref="DivergenceSource.Input"/>, the first non-finite sample of the batch.</param>
public sealed record Divergence(int Epoch, int Batch, long Step, double Loss, DivergenceSource Source, string? Layer, string? Tensor, int? Sample)
{
    /// <summary>A sentence that says where and what to try.</summary>
    public string Message
    {
        get
        {
            string where = string.Create(CultureInfo.InvariantCulture, $"The loss is {Loss} at step {Step} (epoch {Epoch}, batch {Batch}). ");
            return where + Source switch
            {
                DivergenceSource.Input => $"Sample {Sample} of the batch holds a non-finite value, which enters at layer '{Layer}': check the data and its normalisation.",
                DivergenceSource.Parameter => $"The first non-finite layer output is from '{Layer}', whose parameter '{Tensor}' is not finite: the weights blew up in an earlier step; lower the learning rate.",
                DivergenceSource.Activation => $"The first non-finite layer output is from '{Layer}', whose input and parameters are finite: it overflowed; lower the learning rate or check the input normalisation.",
                _ => "Every layer output is finite: the loss itself overflowed; check the labels and the loss for the network's output.",
            };
        }
    }

    /// <summary>
    /// Looks for the first non-finite value after a failed forward pass: in the batch, then in each
    /// layer's output in execution order. Downloads them; run only after a step failed.
    /// </summary>
    internal static Divergence Diagnose(INetwork network, ReadOnlySpan<float> images, int count, int epoch, int batch, long step, double loss)
    {
        IReadOnlyList<LayerInfo> layers = network.Layers;
        int sampleSize = network.InputShape.Size;
        for (int n = 0; n < count; n++)
        {
            if (!AllFinite(images.Slice(n * sampleSize, sampleSize)))
                return new Divergence(epoch, batch, step, loss, DivergenceSource.Input, layers.Count > 0 ? layers[0].Name : null, null, n);
        }

        float[]? parameters = null;
        for (int i = 0; i < layers.Count; i++)
        {
            Tensor output = network.LayerOutput(i, count);
            float[] values = new float[output.Length];
            network.Backend.Download(output, values);
            if (AllFinite(values)) continue;

            string layer = layers[i].Name;
            parameters ??= Download(network, network.Parameters);
            foreach (ParameterInfo p in network.ParameterInfos)
            {
                if (p.Layer == layer && !AllFinite(parameters.AsSpan((int)p.Offset, p.Length)))
                    return new Divergence(epoch, batch, step, loss, DivergenceSource.Parameter, layer, p.Name, null);
            }
            return new Divergence(epoch, batch, step, loss, DivergenceSource.Activation, layer, null, null);
        }
        return new Divergence(epoch, batch, step, loss, DivergenceSource.Loss, null, null, null);
    }

    private static float[] Download(INetwork network, Tensor tensor)
    {
        float[] values = new float[tensor.Length];
        network.Backend.Download(tensor, values);
        return values;
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) return false;
        }
        return true;
    }
}
