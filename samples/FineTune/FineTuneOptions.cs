namespace FineTuneSample;

/// <summary>The sample's settings, from the command line.</summary>
internal sealed record FineTuneOptions
{
    /// <summary>Folder with the Fashion-MNIST idx files.</summary>
    public string DataDirectory { get; init; } = "/usr/share/datasets/fashion-mnist";

    /// <summary>Read only the first N training images (before choosing classes), for a quick run.</summary>
    public int? Limit { get; init; }

    /// <summary>Read only the first N test images.</summary>
    public int? TestLimit { get; init; }

    /// <summary>Epochs of the base network on classes 0–4.</summary>
    public int BaseEpochs { get; init; } = 2;

    /// <summary>Optimizer steps of the head, and of the network trained from scratch, on classes 5–9.</summary>
    public int Steps { get; init; } = 100;

    public int BatchSize { get; init; } = 64;

    /// <summary>Adam's learning rate for the base network and for the network from scratch.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Adam's learning rate for the new head over the frozen body: a linear probe, which takes a larger rate.</summary>
    public float HeadLearningRate { get; init; } = 1e-2f;

    public ulong Seed { get; init; } = 1;

    /// <summary>Where the base network's file goes; a temporary folder when null.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>When positive, also times this many training steps with the body frozen and with it trainable, side by side.</summary>
    public int TimeSteps { get; init; }
}
