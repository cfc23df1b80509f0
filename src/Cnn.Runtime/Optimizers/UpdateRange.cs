namespace Cnn.Optimizers;

/// <summary>
/// What one optimizer update covers: <paramref name="Length"/> values of the parameter buffer (and
/// of the gradients and state, laid out alike) from <paramref name="Offset"/>, with their group's
/// learning rate and weight decay, and their step count, from 1.
/// </summary>
public readonly record struct UpdateRange(int Offset, int Length, float LearningRate, float WeightDecay, int Step);
