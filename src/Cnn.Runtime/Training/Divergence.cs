using System.Globalization;

namespace Cnn.Training;

/// <summary>What was found non-finite first after a step whose loss was NaN or infinite.</summary>
public enum DivergenceSource
{
    /// <summary>The input batch itself: the data or its normalisation.</summary>
    Input,
    /// <summary>A parameter: the weights had blown up in an earlier step.</summary>
    Parameter,
    /// <summary>The parameters were finite but a gradient was not: the forward pass or the loss overflowed.</summary>
    Gradient,
    /// <summary>Input, parameters and gradients were all finite: only the loss overflowed.</summary>
    Loss,
}

/// <summary>
/// Where a run diverged: the step, and the layer named by the first non-finite tensor, looked for
/// in this order: the input batch, the parameters (in declaration order, so the first layer to blow
/// up is named), then the gradients (also in declaration order).
/// </summary>
/// <remarks>
/// Without access to the activations a network's interface does not give, a NaN that arises inside
/// the forward pass from finite weights and input is named by its gradients; since a NaN loss makes
/// every gradient NaN, that names the first layer with parameters, not necessarily the one that overflowed.
/// </remarks>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Batch">The batch within the epoch, from 1.</param>
/// <param name="Step">The step over the whole run, from 1.</param>
/// <param name="Loss">The non-finite loss.</param>
/// <param name="Source">What was non-finite first.</param>
/// <param name="Layer">The layer of <paramref name="Tensor"/> (for the input, the first layer with parameters), or null.</param>
/// <param name="Tensor">The state_dict name of the first non-finite parameter or gradient, or null.</param>
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
                DivergenceSource.Parameter => $"The first non-finite parameter is '{Tensor}' of layer '{Layer}': the weights blew up in an earlier step; lower the learning rate or clip the inputs.",
                DivergenceSource.Gradient => $"The parameters are finite; the first non-finite gradient is '{Tensor}' of layer '{Layer}': the forward pass or the loss overflowed; lower the learning rate or check the input normalisation.",
                _ => "The input, parameters and gradients are finite: the loss itself overflowed; check the labels and the loss for the network's output.",
            };
        }
    }

    /// <summary>
    /// Looks for the first non-finite value after a failed step: in the batch, then the network's
    /// parameters, then its gradients. Downloads both buffers; run only after a step failed.
    /// </summary>
    internal static Divergence Diagnose(INetwork network, ReadOnlySpan<float> images, int count, int epoch, int batch, long step, double loss)
    {
        IReadOnlyList<ParameterInfo> infos = network.ParameterInfos;
        string? firstLayer = infos.Count > 0 ? infos[0].Layer : null;
        int sampleSize = network.InputShape.Size;
        for (int n = 0; n < count; n++)
        {
            if (!AllFinite(images.Slice(n * sampleSize, sampleSize)))
                return new Divergence(epoch, batch, step, loss, DivergenceSource.Input, firstLayer, null, n);
        }
        foreach ((Tensor buffer, DivergenceSource source) in new[] { (network.Parameters, DivergenceSource.Parameter), (network.Gradients, DivergenceSource.Gradient) })
        {
            float[] values = new float[buffer.Length];
            network.Backend.Download(buffer, values);
            foreach (ParameterInfo p in infos)
            {
                if (!AllFinite(values.AsSpan((int)p.Offset, p.Length)))
                    return new Divergence(epoch, batch, step, loss, source, p.Layer, p.Name, null);
            }
        }
        return new Divergence(epoch, batch, step, loss, DivergenceSource.Loss, null, null, null);
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
