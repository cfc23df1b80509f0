namespace Cnn.Training;

/// <summary>
/// Prints training progress like Keras's progress bar: loss, accuracy, throughput and the time left
/// in the epoch, redrawn in place on a terminal, or as a plain line every tenth of an epoch when
/// output is redirected (CI logs), so nothing unreadable lands in a file. The epoch's last line adds
/// the validation figures and the learning rate.
/// </summary>
public sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    private readonly TextWriter _writer;
    private readonly bool _interactive;
    private int _lastTenth = -1;
    private int _lastLength;

    /// <param name="writer">Where to print; standard output by default.</param>
    /// <param name="interactive">Redraw one line in place; by default, when printing to a console that is not redirected.</param>
    public ConsoleProgress(TextWriter? writer = null, bool? interactive = null)
    {
        _writer = writer ?? Console.Out;
        _interactive = interactive ?? (writer is null && !Console.IsOutputRedirected);
    }

    /// <summary>Prints the epoch, a progress bar, the batch, running loss and accuracy, and throughput.</summary>
    public void Report(TrainingProgress p)
    {
        string line = $"epoch {p.Epoch}/{p.Epochs} {Bar(p)} {p.Batch}/{p.Batches}  loss {p.Loss:F4}  acc {p.Accuracy:P2}  {p.ImagesPerSecond:N0} img/s";
        if (p.EpochFinished)
        {
            _lastTenth = -1;
            line += $"  {p.Elapsed.TotalSeconds:F1}s";
            if (p.ValidationLoss is double validationLoss) line += $"  val_loss {validationLoss:F4}";
            if (p.ValidationAccuracy is double validationAccuracy) line += $"  val_acc {validationAccuracy:P2}";
            if (p.LearningRate > 0) line += $"  lr {p.LearningRate:G4}";
            if (_interactive) _writer.Write("\r" + Padded(line));
            else _writer.Write(line);
            _writer.WriteLine();
            _lastLength = 0;
            return;
        }
        line += $"  ETA {p.Remaining:m\\:ss}";
        if (_interactive)
        {
            _writer.Write("\r" + Padded(line));
            return;
        }
        int tenth = p.Batches == 0 ? 10 : p.Batch * 10 / p.Batches;
        if (tenth == _lastTenth) return;
        _lastTenth = tenth;
        _writer.WriteLine(line);
    }

    /// <summary>Pads a redrawn line to the length of the one it replaces, so no tail of it stays on screen.</summary>
    private string Padded(string line)
    {
        string padded = line.Length < _lastLength ? line.PadRight(_lastLength) : line;
        _lastLength = line.Length;
        return padded;
    }

    private static string Bar(TrainingProgress p)
    {
        const int width = 24;
        int filled = p.Batches == 0 ? width : p.Batch * width / p.Batches;
        return "[" + new string('=', filled) + new string(' ', width - filled) + "]";
    }
}
