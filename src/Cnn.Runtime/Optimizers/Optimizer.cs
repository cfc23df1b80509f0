namespace Cnn.Optimizers;

/// <summary>
/// Updates a network's parameters from its gradients. Parameters and gradients are each one
/// contiguous buffer, so a step is one loop over it; optimizer state (momentum, moments) is
/// allocated once, on the network's backend.
/// </summary>
public abstract class Optimizer : IDisposable
{
    /// <summary>An optimizer over all of <paramref name="network"/>'s parameters.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is not positive.</exception>
    protected Optimizer(INetwork network, float learningRate)
    {
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive.");
        Network = network;
        LearningRate = learningRate;
    }

    /// <summary>The network whose parameters this optimizer updates.</summary>
    public INetwork Network { get; }

    /// <summary>The current learning rate; schedules change it between steps.</summary>
    public float LearningRate { get; set; }

    /// <summary>Coefficient of the L1 penalty l1·Σ|w| on weights (not biases), as Keras's kernel_regularizer.</summary>
    public float L1 { get; init; }

    /// <summary>Coefficient of the L2 penalty l2·Σw² on weights (not biases), as Keras's kernel_regularizer.</summary>
    public float L2 { get; init; }

    /// <summary>
    /// Number of steps taken. A resumed run sets it from its checkpoint, so that Adam's bias
    /// correction and SGD's momentum start-up continue where they stopped.
    /// </summary>
    public int Steps
    {
        get => _steps;
        set => _steps = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The step count cannot be negative.");
    }

    private int _steps;

    /// <summary>
    /// The state kept between steps under PyTorch's names (<c>momentum_buffer</c>, <c>exp_avg</c>,
    /// <c>exp_avg_sq</c>), each laid out like the parameter buffer; empty when there is none.
    /// Checkpoints download and upload these to resume exactly.
    /// </summary>
    public virtual IReadOnlyList<KeyValuePair<string, Tensor>> State => [];

    /// <summary>Applies the L1/L2 penalties to the gradients, then one update. Returns the penalty added to the loss.</summary>
    public float Step()
    {
        float penalty = 0;
        if (L1 != 0 || L2 != 0)
        {
            Tensor parameters = Network.Parameters, gradients = Network.Gradients;
            IReadOnlyList<ParameterInfo> infos = Network.ParameterInfos;
            for (int i = 0; i < infos.Count; i++) // not foreach: the interface enumerator would allocate every step
            {
                ParameterInfo p = infos[i];
                if (p.Role != ParameterRole.Weight) continue;
                int offset = checked((int)p.Offset);
                penalty += Network.Backend.AddPenalty(parameters.Slice(offset, p.Length), gradients.Slice(offset, p.Length), L1, L2);
            }
        }
        Steps++;
        Update(Steps);
        return penalty;
    }

    /// <summary>One update over the whole parameter buffer; <paramref name="step"/> counts from 1.</summary>
    protected abstract void Update(int step);

    /// <summary>Frees the optimizer's state on the backend; the network stays usable.</summary>
    public virtual void Dispose()
    {
    }
}
