using Cnn.Data;
using Cnn.Data.Transforms;
using Cnn.Losses;

namespace Cnn.Training;

// Test-time augmentation: Trainer.EvaluateTta.
public static partial class Trainer
{
    /// <summary>
    /// Mean loss and accuracy with test-time augmentation: the class probabilities of every sample as
    /// it is and of each of its <paramref name="views"/> (such as <c>new RandomHorizontalFlip(1f)</c>, its
    /// mirror image) are averaged with equal weights, and the average is scored. The loss is the mean
    /// negative log of the averaged probability of the true class.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A uniform mean over the plain sample and its k views, not fastai's default: fastai's
    /// <c>Learner.tta(..., beta=0.25)</c> lerps, 0.75·(mean over the augmented passes) + 0.25·(plain pass),
    /// and with <c>beta=None</c> returns the two separately. The uniform mean equals fastai's lerp with
    /// <c>beta = 1/(k + 1)</c> (0.5 for a single flip view).
    /// </para>
    /// <para>
    /// The probabilities are the softmax over the first <see cref="ImageDataset.ClassCount"/> outputs
    /// (for <see cref="OutputKind.Probabilities"/>, those outputs rescaled to sum to 1), and the predicted
    /// class is the largest of them. <see cref="Evaluate(INetwork, ImageDataset, int?, Normalization?, ILoss?)"/> instead scores all of the network's outputs with
    /// its loss and takes the argmax over all of them, so on a network with more outputs than classes the
    /// two differ even without views: an output past the last class never wins here, and the
    /// probabilities here do not lose the mass of the extra outputs.
    /// </para>
    /// </remarks>
    /// <param name="network">A classifier with at least as many outputs as <paramref name="data"/> has classes.</param>
    /// <param name="data">The samples, as raw values; each view sees the raw image, then it is normalised.</param>
    /// <param name="views">Transforms applied to each sample (after the plain one); random ones draw from a generator seeded with <paramref name="seed"/>, in sample order.</param>
    /// <param name="batchSize">Samples per forward pass; the network's largest batch when null.</param>
    /// <param name="normalization">Per-channel normalisation applied after the view, or null when the data is already normalised.</param>
    /// <param name="seed">The seed of the random choices of random views.</param>
    /// <exception cref="ArgumentException">A view changes the sample's shape; the message names the view.</exception>
    /// <exception cref="InvalidOperationException">The network's output is not finite, or another thread is using the network.</exception>
    public static Evaluation EvaluateTta(this INetwork network, ImageDataset data, IReadOnlyList<IImageTransform> views,
        int? batchSize = null, Normalization? normalization = null, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(views);
        CheckCompatible(network, data, nameof(data));
        for (int v = 0; v < views.Count; v++)
            if (views[v] is null) throw new ArgumentException($"View {v} is null.", nameof(views));
        int size = CheckBatchSize(network, batchSize ?? network.MaxBatchSize);
        int classes = data.ClassCount, outputSize = network.OutputSize, inputSize = network.InputShape.Size;
        TensorShape shape = data.SampleShape;
        float[] images = new float[size * inputSize];
        float[] outputs = new float[size * outputSize];
        float[] probabilities = new float[classes];
        double[] sums = new double[size * classes];
        var randoms = new SeededRandom[views.Count];
        for (int v = 0; v < views.Count; v++) randoms[v] = SeededRandom.ForStream(seed, (ulong)v);

        using SingleThreadedUse.Scope use = SingleThreadedUse.Enter(network, "EvaluateTta");
        bool wasTraining = network.Training;
        network.Training = false;
        try
        {
            double lossSum = 0;
            long correct = 0;
            for (int start = 0, batch = 1; start < data.Count; start += size, batch++)
            {
                int count = Math.Min(size, data.Count - start);
                Array.Clear(sums);
                for (int v = -1; v < views.Count; v++)
                {
                    for (int i = 0; i < count; i++)
                    {
                        ReadOnlySpan<float> raw = data.GetImage(start + i);
                        Span<float> target = images.AsSpan(i * inputSize, inputSize);
                        if (v < 0)
                        {
                            raw.CopyTo(target);
                        }
                        else
                        {
                            var image = new ImageTensor(raw.ToArray(), shape.Channels, shape.Height, shape.Width);
                            ImageTensor viewed = views[v].Apply(image, ref randoms[v]);
                            if (viewed.Channels != shape.Channels || viewed.Height != shape.Height || viewed.Width != shape.Width)
                                throw new ArgumentException($"View {v} ({views[v].GetType().Name}) turned a {shape} sample into {viewed.Shape}; test-time views must keep the shape.", nameof(views));
                            viewed.Data.CopyTo(target);
                        }
                        if (normalization is not null) normalization.Apply(target, target, shape);
                    }
                    network.Backend.Upload(images.AsSpan(0, count * inputSize), network.Input.Slice(0, count * inputSize));
                    network.Forward(count);
                    network.Backend.Download(network.Output.Slice(0, count * outputSize), outputs.AsSpan(0, count * outputSize));
                    if (NetworkValues.IndexOfNonFinite(outputs.AsSpan(0, count * outputSize)) >= 0)
                        throw NonFiniteOutput.For(network, "EvaluateTta", images, count, batch, size, double.NaN, nameof(data));
                    for (int i = 0; i < count; i++)
                    {
                        ClassProbabilities.FromOutput(outputs.AsSpan(i * outputSize, outputSize), network.OutputKind, probabilities);
                        for (int c = 0; c < classes; c++) sums[i * classes + c] += probabilities[c];
                    }
                }
                for (int i = 0; i < count; i++)
                {
                    ReadOnlySpan<double> mean = sums.AsSpan(i * classes, classes);
                    int label = data.GetLabel(start + i), best = 0;
                    for (int c = 1; c < classes; c++)
                        if (mean[c] > mean[best]) best = c;
                    if (best == label) correct++;
                    lossSum -= Math.Log(Math.Max(mean[label] / (views.Count + 1), double.Epsilon));
                }
            }
            return new Evaluation(lossSum / data.Count, (double)correct / data.Count, data.Count);
        }
        finally
        {
            network.Training = wasTraining;
        }
    }
}
