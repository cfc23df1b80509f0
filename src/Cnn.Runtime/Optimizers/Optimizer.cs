namespace Cnn.Optimizers;

/// <summary>
/// Updates a network's parameters from its gradients. Parameters and gradients are each one
/// contiguous buffer, so a step is one loop over it; optimizer state (momentum, moments) is
/// allocated once, on the network's backend, with the same layout. With
/// <see cref="Groups"/> or frozen parameters (<see cref="INetwork.FrozenParameters"/>) a step is one
/// loop per contiguous run of parameters that share a group, skipping the frozen ones, whose values
/// and state it leaves untouched.
/// </summary>
public abstract class Optimizer : IDisposable
{
    /// <summary>An optimizer over all of <paramref name="network"/>'s parameters.</summary>
    /// <param name="network">The network to train.</param>
    /// <param name="learningRate">The default group's learning rate, positive.</param>
    /// <param name="weightDecay">The default group's weight decay.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is not positive.</exception>
    protected Optimizer(INetwork network, float learningRate, float weightDecay = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive.");
        Network = network;
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        _parameterSteps = new int[network.ParameterInfos.Count];
        _frozen = new bool[network.ParameterInfos.Count];
    }

    /// <summary>The network whose parameters this optimizer updates.</summary>
    public INetwork Network { get; }

    /// <summary>The current learning rate of the default group; schedules change it between steps.</summary>
    public float LearningRate { get; set; }

    /// <summary>The weight decay of the default group (L2 added to the gradient, or decoupled for AdamW).</summary>
    public float WeightDecay { get; }

    /// <summary>Coefficient of the L1 penalty l1·Σ|w| on weights (not biases), as Keras's kernel_regularizer.</summary>
    public float L1 { get; init; }

    /// <summary>Coefficient of the L2 penalty l2·Σw² on weights (not biases), as Keras's kernel_regularizer.</summary>
    public float L2 { get; init; }

    /// <summary>
    /// Parameter groups with their own learning rate and weight decay; the parameters no group
    /// selects form the default group. A parameter selected by two groups is an error, as in PyTorch.
    /// </summary>
    public IReadOnlyList<ParameterGroup> Groups
    {
        get => _groups;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            _groupOf = AssignGroups(Network, value);
            _groups = value.ToArray();
        }
    }

    private readonly IReadOnlyList<ParameterGroup> _groups = [];
    private readonly int[]? _groupOf;
    private readonly int[] _parameterSteps;
    private readonly bool[] _frozen;
    private Run[] _runs = [];
    private int _runCount = -1;

    /// <summary>Adjacent trainable parameters of one group with one step count: from <see cref="Offset"/>, the first being <see cref="Parameter"/>.</summary>
    private readonly record struct Run(int Offset, int Length, int Group, int Parameter);

    /// <summary>
    /// Number of steps taken. A resumed run sets it from its checkpoint, so that Adam's bias
    /// correction and SGD's momentum start-up continue where they stopped; setting it sets every
    /// parameter's own count (see <see cref="ParameterSteps"/>) to it.
    /// </summary>
    public int Steps
    {
        get => _steps;
        set
        {
            _steps = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The step count cannot be negative.");
            Array.Fill(_parameterSteps, value);
            _runCount = -1;
        }
    }

    private int _steps;

    /// <summary>
    /// Per parameter, the steps that updated it: all equal to <see cref="Steps"/> unless some were
    /// frozen for a while. As PyTorch keeps a step count per parameter, a parameter unfrozen later
    /// starts its bias correction and momentum from its first step.
    /// </summary>
    public IReadOnlyList<int> ParameterSteps => _parameterSteps;

    /// <summary>
    /// The state kept between steps under PyTorch's names (<c>momentum_buffer</c>, <c>exp_avg</c>,
    /// <c>exp_avg_sq</c>), each laid out like the parameter buffer; empty when there is none.
    /// Checkpoints download and upload these to resume exactly.
    /// </summary>
    public virtual IReadOnlyList<KeyValuePair<string, Tensor>> State => [];

    /// <summary>Applies the L1/L2 penalties to the gradients, then one update. Returns the penalty added to the loss.</summary>
    public float Step()
    {
        Span<bool> frozen = Network.FrozenParameters;
        bool anyFrozen = frozen.Contains(true);
        float penalty = 0;
        if (L1 != 0 || L2 != 0)
        {
            Tensor parameters = Network.Parameters, gradients = Network.Gradients;
            IReadOnlyList<ParameterInfo> infos = Network.ParameterInfos;
            for (int i = 0; i < infos.Count; i++) // not foreach: the interface enumerator would allocate every step
            {
                ParameterInfo p = infos[i];
                if (p.Role != ParameterRole.Weight || (anyFrozen && frozen[i])) continue;
                int offset = checked((int)p.Offset);
                penalty += Network.Backend.AddPenalty(parameters.Slice(offset, p.Length), gradients.Slice(offset, p.Length), L1, L2);
            }
        }
        _steps++;
        for (int i = 0; i < _parameterSteps.Length; i++)
        {
            if (!(anyFrozen && frozen[i])) _parameterSteps[i]++;
        }
        if (_groupOf is null && !anyFrozen && AllAt(_steps))
        {
            // One group, nothing frozen: one loop over the whole buffer.
            Update(new UpdateRange(0, Network.Parameters.Length, LearningRate, WeightDecay, _steps));
            return penalty;
        }
        if (_runCount < 0 || !frozen.SequenceEqual(_frozen)) BuildRuns(frozen);
        for (int r = 0; r < _runCount; r++)
        {
            Run run = _runs[r];
            ParameterGroup? group = run.Group >= 0 ? _groups[run.Group] : null;
            Update(new UpdateRange(run.Offset, run.Length, group?.LearningRate ?? LearningRate, group?.WeightDecay ?? WeightDecay, _parameterSteps[run.Parameter]));
        }
        return penalty;
    }

    private bool AllAt(int step)
    {
        foreach (int s in _parameterSteps)
        {
            if (s != step) return false;
        }
        return true;
    }

    /// <summary>
    /// Splits the trainable parameters into runs of adjacent ones that share a group and a step
    /// count; rebuilt only when the frozen set changes, so the usual step allocates nothing. A run
    /// takes the 64-byte padding after each of its parameters: its values and gradients are zero, and
    /// every update leaves them zero.
    /// </summary>
    private void BuildRuns(Span<bool> frozen)
    {
        IReadOnlyList<ParameterInfo> infos = Network.ParameterInfos;
        frozen.CopyTo(_frozen);
        if (_runs.Length < infos.Count) _runs = new Run[infos.Count];
        _runCount = 0;
        for (int i = 0; i < infos.Count; i++)
        {
            if (_frozen[i]) continue;
            int group = _groupOf?[i] ?? -1;
            int start = checked((int)infos[i].Offset), end = i + 1 < infos.Count ? checked((int)infos[i + 1].Offset) : Network.Parameters.Length;
            Run previous = _runCount > 0 ? _runs[_runCount - 1] : default;
            bool extends = _runCount > 0 && !_frozen[i - 1] && previous.Group == group && _parameterSteps[previous.Parameter] == _parameterSteps[i];
            _runs[extends ? _runCount - 1 : _runCount++] = extends ? previous with { Length = end - previous.Offset } : new Run(start, end - start, group, i);
        }
    }

    /// <summary>One update of the parameters in <paramref name="range"/>, with its group's settings and step count (from 1).</summary>
    protected abstract void Update(in UpdateRange range);

    /// <summary>Frees the optimizer's state on the backend; the network stays usable.</summary>
    public virtual void Dispose()
    {
    }

    private static int[]? AssignGroups(INetwork network, IReadOnlyList<ParameterGroup> groups)
    {
        if (groups.Count == 0) return null;
        IReadOnlyList<ParameterInfo> infos = network.ParameterInfos;
        var groupOf = new int[infos.Count];
        Array.Fill(groupOf, -1);
        for (int g = 0; g < groups.Count; g++)
        {
            ParameterGroup group = groups[g] ?? throw new ArgumentException($"Group {g} is null.", nameof(Groups));
            if (group.LearningRate is float rate && !(rate > 0))
                throw new ArgumentOutOfRangeException(nameof(Groups), rate, $"Group {g}'s learning rate must be positive.");
            foreach (string prefix in group.Prefixes)
            {
                if (!infos.Any(p => NamePrefix.Matches(p.Name, prefix)))
                    throw new ArgumentException($"Group {g}'s '{prefix}' matches no parameter of {network.ArchitectureName}.", nameof(Groups));
            }
            for (int i = 0; i < infos.Count; i++)
            {
                if (!NamePrefix.MatchesAny(infos[i].Name, group.Prefixes)) continue;
                if (groupOf[i] >= 0)
                    throw new ArgumentException($"'{infos[i].Name}' is in group {groupOf[i]} and group {g}; a parameter belongs to one group, as in PyTorch.", nameof(Groups));
                groupOf[i] = g;
            }
        }
        return groupOf;
    }
}
