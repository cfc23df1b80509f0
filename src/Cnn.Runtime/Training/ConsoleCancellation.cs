namespace Cnn.Training;

/// <summary>
/// Turns Ctrl+C into a graceful stop for <see cref="FitOptions.CancellationToken"/>: the first
/// press cancels the token and keeps the process alive, so Fit finishes its batch, saves a
/// resumable checkpoint and throws <see cref="TrainingCanceledException"/>; a second press lets the
/// process end at once.
/// </summary>
/// <example>
/// <code>
/// using var cancellation = new ConsoleCancellation();
/// network.Fit(train, test, options with { CancellationToken = cancellation.Token, CheckpointDirectory = "run1" });
/// </code>
/// </example>
public sealed class ConsoleCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly TextWriter _writer;
    private readonly bool _hooked;
    private bool _disposed;

    /// <param name="writer">Where to say what Ctrl+C does; standard error by default.</param>
    public ConsoleCancellation(TextWriter? writer = null)
        : this(writer, hook: true)
    {
    }

    internal ConsoleCancellation(TextWriter? writer, bool hook)
    {
        _writer = writer ?? Console.Error;
        _hooked = hook;
        if (hook) Console.CancelKeyPress += OnCancelKeyPress;
    }

    /// <summary>Cancelled by the first Ctrl+C.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>
    /// What a Ctrl+C does: the first cancels the token and returns true (keep running); a later one
    /// returns false (let the process end).
    /// </summary>
    internal bool Interrupt()
    {
        if (!_source.IsCancellationRequested)
        {
            _writer.WriteLine();
            _writer.WriteLine("Stopping after this batch and saving a checkpoint; press Ctrl+C again to abort at once.");
            _source.Cancel();
            return true;
        }
        _writer.WriteLine("Aborting.");
        return false;
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e) => e.Cancel = Interrupt();

    /// <summary>Stops listening for Ctrl+C; the console's default handling returns.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_hooked) Console.CancelKeyPress -= OnCancelKeyPress;
        _source.Dispose();
    }
}
