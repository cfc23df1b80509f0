namespace Cnn.Losses;

/// <summary>
/// A classification loss over a network's <see cref="INetwork.Output"/> and <see cref="INetwork.Labels"/>:
/// it returns the batch mean and writes d(loss)/d(output) into <see cref="INetwork.OutputGradient"/>.
/// </summary>
public interface ILoss
{
    /// <summary>The loss's snake_case name, as logged in the training history (e.g. <c>cross_entropy</c>).</summary>
    string Name { get; }

    /// <summary>Returns the mean loss over the first <paramref name="batch"/> samples and writes its gradient into <see cref="INetwork.OutputGradient"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
    float Compute(INetwork network, int batch);
}
