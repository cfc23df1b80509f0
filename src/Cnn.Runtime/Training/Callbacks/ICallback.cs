namespace Cnn.Training;

/// <summary>
/// Hooks into <see cref="Trainer.Fit(INetwork, Cnn.Data.ImageDataset, Cnn.Data.ImageDataset?, FitOptions)"/>,
/// as Keras's callbacks do: every method has an empty default, so a callback implements only what
/// it needs. Callbacks run in the order of <see cref="FitOptions.Callbacks"/>, on the training thread.
/// To stop training, call <see cref="TrainingContext.Stop"/>: from <see cref="OnEpochEnd"/> training
/// ends after that epoch; from <see cref="OnBatchEnd"/> it ends at once, and the unfinished epoch is
/// not recorded (no <see cref="OnEpochEnd"/>, no history row), so nothing saves a half-trained epoch.
/// </summary>
public interface ICallback
{
    /// <summary>Before the first epoch (also when resuming; <see cref="TrainingContext.Epoch"/> then says where).</summary>
    void OnTrainBegin(TrainingContext context) { }

    /// <summary>Before epoch <paramref name="epoch"/> (1-based), after the learning rate of the previous epoch was recorded.</summary>
    void OnEpochBegin(TrainingContext context, int epoch) { }

    /// <summary>
    /// After each optimisation step. Called for every batch, so it should not allocate; a
    /// non-finite <see cref="BatchResult.Loss"/> means the step was not applied and
    /// <see cref="TrainingContext.Divergence"/> says where it went wrong. Unless a callback then
    /// stops training, Fit throws <see cref="TrainingDivergedException"/>.
    /// </summary>
    void OnBatchEnd(TrainingContext context, BatchResult batch) { }

    /// <summary>After an epoch's training and validation, with the row just added to <see cref="TrainingContext.History"/>.</summary>
    void OnEpochEnd(TrainingContext context, EpochResult result) { }

    /// <summary>
    /// When training completes or a callback stops it; not when it throws, nor when it is cancelled
    /// (a cancelled run is meant to be resumed, so nothing final, such as restoring the best weights, happens).
    /// </summary>
    void OnTrainEnd(TrainingContext context) { }
}

/// <summary>
/// A callback whose decisions depend on what it saw in earlier epochs (a best value, a patience
/// count). Its state is saved in resumable checkpoints and restored on resume, so a resumed run
/// decides as the uninterrupted one would.
/// </summary>
public interface IStatefulCallback : ICallback
{
    /// <summary>The key of this callback's state in a checkpoint; unique among the callbacks of one run.</summary>
    string StateKey { get; }

    /// <summary>The state as named numbers (infinities allowed).</summary>
    IReadOnlyDictionary<string, double> SaveState();

    /// <summary>Restores what <see cref="SaveState"/> returned; called before <see cref="ICallback.OnTrainBegin"/>.</summary>
    void LoadState(IReadOnlyDictionary<string, double> state);
}
