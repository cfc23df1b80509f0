using System.Globalization;
using System.Text.RegularExpressions;
using Cnn.IO;

namespace Cnn.Training;

/// <summary>
/// Saves the model with <see cref="ModelFile.Save(INetwork, string, ModelMetadata?, bool)"/> at the end of
/// each epoch, or only when the monitored quantity improved (Keras's <c>ModelCheckpoint</c> with
/// <c>save_best_only</c>). The write is atomic, so an interrupted save leaves the previous file
/// whole, and an epoch whose loss is not finite, or whose weights are not (a last step that blew
/// them up), is never saved, so a diverged run keeps its last good file.
/// </summary>
/// <remarks>
/// The path may name the epoch and the metrics, with .NET format strings:
/// <c>"checkpoints/epoch{epoch:000}-{val_loss:0.000}.safetensors"</c>.
/// </remarks>
public sealed partial class ModelCheckpoint : IStatefulCallback
{
    private readonly Monitor _monitor;
    private bool _resumed;

    /// <param name="path">The file to write; may hold placeholders {epoch}, {loss}, {accuracy}, {val_loss}, {val_accuracy}.</param>
    /// <param name="monitor">The quantity that decides which epoch is best.</param>
    /// <param name="saveBestOnly">Save only when the monitored quantity improved on the best so far.</param>
    /// <param name="mode">Whether smaller or larger is better; <see cref="MonitorMode.Auto"/> decides from the name.</param>
    /// <param name="metadata">Class names and extra strings to keep in the file.</param>
    public ModelCheckpoint(string path, string monitor = "val_loss", bool saveBestOnly = false, MonitorMode mode = MonitorMode.Auto, ModelMetadata? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        foreach (Match match in Placeholder().Matches(path))
        {
            string name = match.Groups[1].Value;
            if (name != "epoch" && Array.IndexOf(Monitor.Names, name) < 0)
                throw new ArgumentException($"The path's placeholder '{{{name}}}' is not one of {{epoch}}, {string.Join(", ", Monitor.Names.Select(n => $"{{{n}}}"))}.", nameof(path));
        }
        Path = path;
        _monitor = Monitor.Create(monitor, mode);
        SaveBestOnly = saveBestOnly;
        Metadata = metadata;
        Best = _monitor.Worst;
    }

    /// <summary>The path pattern.</summary>
    public string Path { get; }

    /// <summary>The quantity that decides which epoch is best: <c>loss</c>, <c>accuracy</c>, <c>val_loss</c> or <c>val_accuracy</c>.</summary>
    public string MonitorName => _monitor.Name;
    /// <summary>Whether only epochs that improve on <see cref="Best"/> are saved.</summary>
    public bool SaveBestOnly { get; }
    /// <summary>Class names and extra strings written into every saved file, or null.</summary>
    public ModelMetadata? Metadata { get; }

    /// <summary>The best monitored value saved so far (with <see cref="SaveBestOnly"/>).</summary>
    public double Best { get; private set; }

    /// <summary>The file written last, or null.</summary>
    public string? LastSaved { get; private set; }

    /// <summary>The epoch written last, or 0.</summary>
    public int LastSavedEpoch { get; private set; }

    /// <inheritdoc/>
    public string StateKey => $"model_checkpoint.{Path}";

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">With <see cref="SaveBestOnly"/>, a validation quantity is watched but Fit has no validation set.</exception>
    public void OnTrainBegin(TrainingContext context)
    {
        if (SaveBestOnly) _monitor.Check(context, nameof(ModelCheckpoint));
        if (!_resumed) Best = _monitor.Worst;
        _resumed = false;
    }

    /// <inheritdoc/>
    public void OnEpochEnd(TrainingContext context, EpochResult result)
    {
        if (!double.IsFinite(result.Loss)) return;
        // The loss of the epoch's last step is computed before its update, so it can be finite while that update blew the weights up.
        if (NetworkValues.FirstProblem(context.Network) is string problem)
        {
            context.Log($"Epoch {result.Epoch}: the model was not saved: {context.Network.ArchitectureName}'s {problem}. " +
                $"Weights that are not finite are never saved, so {LastSaved ?? "no file"} stays the last good file.");
            return;
        }
        if (SaveBestOnly)
        {
            double current = _monitor.ValueOf(result);
            if (!_monitor.IsImprovement(current, Best, 0)) return;
            context.Log(string.Create(CultureInfo.InvariantCulture, $"Epoch {result.Epoch}: {_monitor.Name} improved from {Best:G6} to {current:G6}."));
            Best = current;
        }
        string path = FormatPath(Path, result);
        ModelFile.Save(context.Network, path, Metadata);
        LastSaved = path;
        LastSavedEpoch = result.Epoch;
        context.Log($"Epoch {result.Epoch}: saved the model to {path}.");
    }

    /// <summary>Fills the placeholders of <paramref name="pattern"/> from an epoch's results.</summary>
    public static string FormatPath(string pattern, EpochResult result) =>
        Placeholder().Replace(pattern, match =>
        {
            string name = match.Groups[1].Value;
            string? format = match.Groups[2].Success ? match.Groups[2].Value : null;
            if (name == "epoch") return result.Epoch.ToString(format, CultureInfo.InvariantCulture);
            return Monitor.Create(name, MonitorMode.Auto).ValueOf(result).ToString(format, CultureInfo.InvariantCulture);
        });

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> SaveState() => new Dictionary<string, double> { ["best"] = Best };

    /// <inheritdoc/>
    public void LoadState(IReadOnlyDictionary<string, double> state)
    {
        Best = state["best"];
        _resumed = true;
    }

    [GeneratedRegex(@"\{([a-z_]+)(?::([^}]*))?\}")]
    private static partial Regex Placeholder();
}
