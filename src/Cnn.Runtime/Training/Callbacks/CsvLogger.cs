namespace Cnn.Training;

/// <summary>
/// Writes the history to a CSV file after every epoch (Keras's <c>CSVLogger</c>), replacing the
/// file atomically each time, so that it is always complete and a resumed run rewrites it whole.
/// Columns: <c>epoch,loss,accuracy,val_loss,val_accuracy,seconds,images_per_second,learning_rate</c>.
/// </summary>
public sealed class CsvLogger(string path) : ICallback
{
    /// <summary>The CSV file, rewritten whole after every epoch.</summary>
    /// <exception cref="ArgumentException">(At construction) the path is null or empty.</exception>
    public string Path { get; } = !string.IsNullOrEmpty(path) ? path : throw new ArgumentException("The CSV path is empty.", nameof(path));

    /// <inheritdoc/>
    public void OnEpochEnd(TrainingContext context, EpochResult result) => HistoryFile.WriteCsv(Path, context.History);
}
