namespace Cnn.Losses;

/// <summary>
/// A classification loss over a network's <see cref="INetwork.Output"/> and <see cref="INetwork.Labels"/>:
/// it returns the batch mean and writes d(loss)/d(output) into <see cref="INetwork.OutputGradient"/>.
/// </summary>
public interface ILoss
{
    string Name { get; }

    float Compute(INetwork network, int batch);
}
