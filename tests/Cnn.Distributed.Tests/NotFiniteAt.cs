namespace Cnn.Distributed.Tests;

/// <summary>A loss that returns NaN at one step (from 1) on this rank, and the inner loss otherwise.</summary>
internal sealed class NotFiniteAt(Cnn.Losses.ILoss inner, int step) : Cnn.Losses.ILoss
{
    private int _calls;

    public string Name => inner.Name;

    public float Compute(INetwork network, int batch)
    {
        float loss = inner.Compute(network, batch);
        return ++_calls == step ? float.NaN : loss;
    }
}
