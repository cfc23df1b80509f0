namespace Cnn.Optimizers;

/// <summary>
/// Parameters, chosen by state_dict name prefix, that an optimizer steps with their own learning
/// rate and weight decay, as a param group of a PyTorch optimizer
/// (<c>[{"params": model.fc.parameters(), "lr": 1e-2}, ...]</c>). A parameter that no group selects
/// stays in the optimizer's default group, with its learning rate and weight decay.
/// </summary>
/// <param name="prefixes">
/// Layer names (<c>"fc2"</c>), block prefixes (<c>"layer4"</c>) or full parameter names
/// (<c>"fc2.bias"</c>), as <see cref="Freezing.Freeze"/> takes them.
/// </param>
public sealed class ParameterGroup(params string[] prefixes)
{
    /// <summary>The name prefixes that select the group's parameters.</summary>
    public IReadOnlyList<string> Prefixes { get; } = prefixes ?? throw new ArgumentNullException(nameof(prefixes));

    /// <summary>
    /// The group's learning rate; null follows <see cref="Optimizer.LearningRate"/>. A schedule
    /// changes only the optimizer's rate, so a group with its own rate keeps it unless set here.
    /// </summary>
    public float? LearningRate { get; set; }

    /// <summary>The group's weight decay; null takes the optimizer's.</summary>
    public float? WeightDecay { get; set; }
}
