using Cnn.Cuda.Graphs;
using Cnn.Losses;
using Cnn.Optimizers;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>A training step captured into a CUDA graph does what the same steps do eagerly, and a long run does not grow device memory.</summary>
public class GraphCaptureTests
{
    private const int Batch = 16;

    [CudaTheory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void ReplayedSteps_MatchEagerSteps(string optimizerName)
    {
        float[] eager = Train(optimizerName, useGraph: false, steps: 6, out float eagerLoss);
        float[] replayed = Train(optimizerName, useGraph: true, steps: 6, out float replayedLoss);
        TestData.AssertClose(eager, replayed, 1e-4, $"parameters after 6 {optimizerName} steps, eager vs graph");
        Assert.True(Math.Abs(eagerLoss - replayedLoss) <= 1e-4 * Math.Max(1, Math.Abs(eagerLoss)), $"last loss {eagerLoss} eager, {replayedLoss} replayed");
    }

    private static float[] Train(string optimizerName, bool useGraph, int steps, out float lastLoss)
    {
        using var backend = new CudaBackend();
        using var network = new GraphTestNet(Batch, backend, seed: 3);
        using Optimizer optimizer = optimizerName == "adam" ? new Adam(network, 1e-3f, weightDecay: 1e-4f, decoupled: true) : new Sgd(network, 0.05f, momentum: 0.9f);
        ILoss loss = Loss.For(network);
        network.Training = true;

        void Upload(int step)
        {
            backend.Upload(RandomTestData.Uniform(Batch * GraphTestNet.InputSize, (ulong)(100 + step)), network.Input.Slice(0, Batch * GraphTestNet.InputSize));
            backend.Upload(RandomTestData.Labels(Batch, 10, (ulong)(200 + step)), network.Labels.Slice(0, Batch));
        }
        void Step()
        {
            network.Forward(Batch);
            loss.Compute(network, Batch);
            network.Backward(Batch);
            optimizer.Step();
        }

        Upload(0);
        if (!useGraph)
        {
            Step();
            for (int step = 1; step < steps; step++)
            {
                Upload(step);
                Step();
            }
        }
        else
        {
            using CudaGraphStep graph = backend.CaptureStep(Step); // runs step 0 eagerly, then records
            for (int step = 1; step < steps; step++)
            {
                Upload(step);
                graph.Replay();
            }
            Assert.Equal(steps - 1, graph.Replays);
        }
        lastLoss = backend.ReadLastLoss();
        return TestData.Download(backend, network.Parameters);
    }

    [CudaFact]
    public void InsideACapture_HostCallsAreRefusedWithAReason()
    {
        using var backend = new CudaBackend();
        using var network = new GraphTestNet(Batch, backend, seed: 3);
        var e = Assert.Throws<InvalidOperationException>(() => backend.CaptureStep(() =>
        {
            network.Forward(Batch);
            backend.Download(network.Output, new float[network.Output.Length]);
        }));
        Assert.Contains("Download cannot run while a CUDA graph is being captured", e.Message);
        network.Forward(Batch); // the backend is usable again
    }

    [CudaFact]
    public void TenThousandSteps_DoNotGrowDeviceMemory()
    {
        using var backend = new CudaBackend();
        using var network = new GraphTestNet(64, backend, seed: 1);
        using var optimizer = new Adam(network);
        ILoss loss = Loss.For(network);
        backend.Upload(RandomTestData.Uniform(64 * GraphTestNet.InputSize, 1), network.Input.Slice(0, 64 * GraphTestNet.InputSize));
        backend.Upload(RandomTestData.Labels(64, 10, 2), network.Labels.Slice(0, 64));
        void Step()
        {
            network.Forward(64);
            loss.Compute(network, 64);
            network.Backward(64);
            optimizer.Step();
        }

        for (int i = 0; i < 100; i++) Step();
        backend.Synchronize();
        long before = backend.MemoryInfo.Free, hostBefore = HostResidentBytes();
        for (int i = 0; i < 10_000; i++) Step();
        backend.Synchronize();
        long after = backend.MemoryInfo.Free, hostAfter = HostResidentBytes();

        using CudaGraphStep graph = backend.CaptureStep(Step);
        for (int i = 0; i < 100; i++) graph.Replay();
        backend.Synchronize();
        long withGraph = backend.MemoryInfo.Free, hostWithGraph = HostResidentBytes();
        for (int i = 0; i < 10_000; i++) graph.Replay();
        backend.Synchronize();
        long afterGraph = backend.MemoryInfo.Free, hostAfterGraph = HostResidentBytes();
        Figures.Report("memory_10000_steps", new Dictionary<string, object>
        {
            ["device_free_change_eager"] = after - before, ["device_free_change_graph"] = afterGraph - withGraph,
            ["host_rss_change_eager"] = hostAfter - hostBefore, ["host_rss_change_graph"] = hostAfterGraph - hostWithGraph,
        });
        Assert.Equal(before, after);
        Assert.Equal(withGraph, afterGraph);
        // The host side allocates nothing per step either; a few MiB of slack for the runtime's own growth.
        Assert.True(hostAfter - hostBefore < HostSlackBytes, $"Resident memory grew by {hostAfter - hostBefore:N0} bytes over 10,000 eager steps.");
        Assert.True(hostAfterGraph - hostWithGraph < HostSlackBytes, $"Resident memory grew by {hostAfterGraph - hostWithGraph:N0} bytes over 10,000 replays.");
        Assert.True(float.IsFinite(graph.ReadLoss()));
    }

    private const long HostSlackBytes = 16L << 20;

    private static long HostResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return Environment.WorkingSet;
    }
}
