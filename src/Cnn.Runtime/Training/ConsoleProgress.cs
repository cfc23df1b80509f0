namespace Cnn.Training;

/// <summary>
/// Prints training progress: a bar redrawn in place on a terminal, or a plain line every tenth of an
/// epoch when output is redirected (CI logs), so nothing unreadable lands in a file.
/// </summary>
public sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    private readonly TextWriter _writer;
    private readonly bool _interactive;
    private int _lastTenth = -1;

    public ConsoleProgress(TextWriter? writer = null, bool? interactive = null)
    {
        _writer = writer ?? Console.Out;
        _interactive = interactive ?? (writer is null && !Console.IsOutputRedirected);
    }

    public void Report(TrainingProgress p)
    {
        string line = $"epoch {p.Epoch}/{p.Epochs} {Bar(p)} {p.Batch}/{p.Batches}  loss {p.Loss:F4}  acc {p.Accuracy:P2}  {p.ImagesPerSecond:N0} img/s";
        if (p.EpochFinished)
        {
            _lastTenth = -1;
            line += $"  {p.Elapsed.TotalSeconds:F1}s";
            if (_interactive) _writer.Write('\r');
            _writer.WriteLine(line);
            return;
        }
        line += $"  ETA {p.Remaining:m\\:ss}";
        if (_interactive)
        {
            _writer.Write("\r" + line);
            return;
        }
        int tenth = p.Batch * 10 / p.Batches;
        if (tenth == _lastTenth) return;
        _lastTenth = tenth;
        _writer.WriteLine(line);
    }

    private static string Bar(TrainingProgress p)
    {
        const int width = 24;
        int filled = p.Batches == 0 ? width : p.Batch * width / p.Batches;
        return "[" + new string('=', filled) + new string(' ', width - filled) + "]";
    }
}
