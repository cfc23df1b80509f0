namespace Cnn.Backends.Cpu;

/// <summary>A batch norm's running statistics, which its training forward pass writes from inside a layer.</summary>
internal static class RunningStatistics
{
    /// <summary>
    /// Bumps the <see cref="DeviceBuffer.Version"/> of the buffers that hold the running mean and variance
    /// after a training step updated them, so that a convolution with this batch norm folded in folds it again.
    /// </summary>
    public static void MarkWritten(Tensor runningMean, Tensor runningVariance)
    {
        runningMean.Buffer.MarkWritten();
        if (!ReferenceEquals(runningVariance.Buffer, runningMean.Buffer)) runningVariance.Buffer.MarkWritten();
    }
}
