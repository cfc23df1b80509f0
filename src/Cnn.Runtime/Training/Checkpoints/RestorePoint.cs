using Cnn.Optimizers;

namespace Cnn.Training;

/// <summary>
/// A host copy of everything a resume changes in a network and its optimizer (parameters, buffers,
/// optimizer state, step count, learning rate, dropout stream), so that a resume that fails partway
/// can put them back: after a failed resume the network is as it was.
/// </summary>
internal sealed class RestorePoint
{
    private readonly WeightSnapshot _weights;
    private readonly float[][] _optimizerState;
    private readonly int _steps;
    private readonly float _learningRate;
    private readonly DropoutState _dropout;

    public RestorePoint(INetwork network, Optimizer optimizer)
    {
        _weights = new WeightSnapshot(network);
        _weights.Capture(network);
        _optimizerState = optimizer.State.Select(pair =>
        {
            float[] values = new float[pair.Value.Length];
            network.Backend.Download(pair.Value, values);
            return values;
        }).ToArray();
        _steps = optimizer.Steps;
        _learningRate = optimizer.LearningRate;
        _dropout = network.DropoutState;
    }

    public void Restore(INetwork network, Optimizer optimizer)
    {
        _weights.Restore(network);
        IReadOnlyList<KeyValuePair<string, Tensor>> state = optimizer.State;
        for (int i = 0; i < state.Count; i++) network.Backend.Upload(_optimizerState[i], state[i].Value);
        optimizer.Steps = _steps;
        optimizer.LearningRate = _learningRate;
        network.DropoutState = _dropout;
    }
}
