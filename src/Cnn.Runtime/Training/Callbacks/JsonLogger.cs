namespace Cnn.Training;

/// <summary>
/// Writes the history to a JSON file (an array of rows with the CSV's names) after every epoch,
/// replacing the file atomically each time.
/// </summary>
public sealed class JsonLogger(string path) : ICallback
{
    /// <summary>The JSON file, rewritten whole after every epoch.</summary>
    /// <exception cref="ArgumentException">(At construction) the path is null or empty.</exception>
    public string Path { get; } = !string.IsNullOrEmpty(path) ? path : throw new ArgumentException("The JSON path is empty.", nameof(path));

    /// <inheritdoc/>
    public void OnEpochEnd(TrainingContext context, EpochResult result) => HistoryFile.WriteJson(Path, context.History);
}
