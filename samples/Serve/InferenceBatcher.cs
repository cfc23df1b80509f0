using System.Threading.Channels;
using Cnn;
using Cnn.IO;
using Cnn.Training;

namespace ServeSample;

/// <summary>
/// Runs prediction requests through a fixed set of network instances. A network instance is
/// single-threaded (see <see cref="INetwork"/>), so each instance belongs to one worker, which takes
/// the requests queued at that moment (up to <see cref="ServeOptions.MaxBatchSize"/>, waiting at most
/// <see cref="ServeOptions.MaxBatchDelay"/> for more) and runs them as one batch. Concurrent requests
/// thus never share an instance, and under load they share forward passes.
/// </summary>
public sealed class InferenceBatcher : IAsyncDisposable, IDisposable
{
    private readonly Channel<PendingRequest> _queue;
    private readonly INetwork[] _networks;
    private readonly Task[] _workers;
    private readonly ServeOptions _options;
    private readonly ServeMetrics _metrics;

    /// <summary>Builds <see cref="ServeOptions.Workers"/> networks with <paramref name="create"/>, loads each from <paramref name="modelPath"/> and starts their workers.</summary>
    /// <param name="modelPath">A model file saved by <see cref="ModelFile.Save(INetwork, string, ModelMetadata?, bool)"/>.</param>
    /// <param name="create">Builds one instance for batches of up to the given size, e.g. in <see cref="NetworkMode.Inference"/>.</param>
    /// <param name="options">Workers, batch size, delay and queue capacity.</param>
    /// <param name="metrics">Where the batch sizes are counted.</param>
    /// <exception cref="InvalidDataException">The file does not describe a model this network can serve.</exception>
    public InferenceBatcher(string modelPath, Func<int, INetwork> create, ServeOptions options, ServeMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(create);
        options.Validate();
        _options = options;
        _metrics = metrics;
        _networks = new INetwork[options.Workers];
        try
        {
            for (int i = 0; i < _networks.Length; i++)
            {
                INetwork network = _networks[i] = create(options.MaxBatchSize);
                if (network.MaxBatchSize < options.MaxBatchSize)
                    throw new ArgumentException($"The factory built a {network.ArchitectureName} for batches of {network.MaxBatchSize}, not {options.MaxBatchSize}.", nameof(create));
                ModelMetadata metadata = ModelFile.Load(network, modelPath);
                network.Training = false;
                Model ??= ServedModel.Describe(modelPath, metadata, network);
            }
        }
        catch
        {
            foreach (INetwork? network in _networks) network?.Dispose();
            throw;
        }
        _queue = Channel.CreateBounded<PendingRequest>(new BoundedChannelOptions(options.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait });
        _workers = _networks.Select(network => Task.Run(() => RunAsync(network))).ToArray();
    }

    /// <summary>The model every worker serves.</summary>
    public ServedModel Model { get; } = null!;

    /// <summary>
    /// Queues one sample (already normalised, <see cref="ServedModel.InputShape"/> values) and gives
    /// the task of its class probabilities, one per class name; false when the queue is full.
    /// </summary>
    public bool TryPredict(float[] input, out Task<float[]> probabilities)
    {
        var request = new PendingRequest(input);
        probabilities = request.Completion.Task;
        return _queue.Writer.TryWrite(request);
    }

    private async Task RunAsync(INetwork network)
    {
        int inputSize = network.InputShape.Size, outputSize = network.OutputSize, classes = Model.ClassNames.Count;
        var batch = new List<PendingRequest>(_options.MaxBatchSize);
        var inputs = new float[_options.MaxBatchSize * inputSize];
        var outputs = new float[_options.MaxBatchSize * outputSize];
        ChannelReader<PendingRequest> reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await TakeBatchAsync(reader, batch).ConfigureAwait(false);
            if (batch.Count == 0) continue;
            try
            {
                for (int i = 0; i < batch.Count; i++) batch[i].Input.CopyTo(inputs, i * inputSize);
                network.Backend.Upload(inputs.AsSpan(0, batch.Count * inputSize), network.Input.Slice(0, batch.Count * inputSize));
                network.Forward(batch.Count);
                network.Backend.Download(network.Output.Slice(0, batch.Count * outputSize), outputs.AsSpan(0, batch.Count * outputSize));
                _metrics.RecordBatch(batch.Count);
                for (int i = 0; i < batch.Count; i++)
                {
                    var probabilities = new float[classes];
                    ClassProbabilities.FromOutput(outputs.AsSpan(i * outputSize, outputSize), network.OutputKind, probabilities);
                    if (probabilities.All(float.IsFinite)) batch[i].Completion.TrySetResult(probabilities);
                    else batch[i].Completion.TrySetException(new InvalidOperationException($"{network.ArchitectureName}'s output is not finite: its weights in '{Model.Path}' are broken."));
                }
            }
            catch (Exception e)
            {
                // The batch fails, not the service: each request answers with the error and the worker goes on.
                foreach (PendingRequest request in batch) request.Completion.TrySetException(e);
            }
            batch.Clear();
        }
    }

    /// <summary>Takes what is queued, up to a full batch, waiting up to <see cref="ServeOptions.MaxBatchDelay"/> after the first request for more.</summary>
    private async Task TakeBatchAsync(ChannelReader<PendingRequest> reader, List<PendingRequest> batch)
    {
        while (batch.Count < _options.MaxBatchSize && reader.TryRead(out PendingRequest? request)) batch.Add(request);
        if (batch.Count == 0 || _options.MaxBatchDelay <= TimeSpan.Zero) return;
        using var timeout = new CancellationTokenSource(_options.MaxBatchDelay);
        try
        {
            while (batch.Count < _options.MaxBatchSize && await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
            {
                while (batch.Count < _options.MaxBatchSize && reader.TryRead(out PendingRequest? request)) batch.Add(request);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // The wait is over; run what there is.
        }
    }

    /// <summary>Stops taking requests, lets the workers finish what is queued, and disposes the networks.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers).ConfigureAwait(false);
        foreach (INetwork network in _networks) network.Dispose();
    }

    /// <summary>As <see cref="DisposeAsync"/>, for a host or container disposed synchronously.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>One queued sample and the promise of its probabilities.</summary>
    private sealed class PendingRequest(float[] input)
    {
        public float[] Input { get; } = input;

        /// <summary>Completed by a worker; continuations run off the worker, so it goes straight on to the next batch.</summary>
        public TaskCompletionSource<float[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
