using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Data;
using Cnn.Optimizers;
using Cnn.Training;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>The tutorial network trained for one epoch of Fashion-MNIST on CUDA reaches the accuracy the CPU backend reaches, within 0.5 points.</summary>
public class FashionMnistTrainingTests
{
    [CudaFashionMnistFact]
    public void OneEpoch_ReachesTheCpuAccuracy()
    {
        ImageDataset train = FashionMnist.Load(CudaTestEnvironment.FashionMnistDirectory, train: true);
        ImageDataset test = FashionMnist.Load(CudaTestEnvironment.FashionMnistDirectory, train: false);

        double Run(IBackend backend)
        {
            using var network = new TutorialMnistNet(64, backend, seed: 1);
            using var optimizer = new Adam(network, 1e-3f);
            network.Fit(train, null, new FitOptions { Optimizer = optimizer, Epochs = 1, BatchSize = 64, Normalization = Normalization.FashionMnist, Seed = 1 });
            return network.Evaluate(test, 64, Normalization.FashionMnist).Accuracy;
        }

        using var cpu = new CpuBackend();
        using var cuda = new CudaBackend();
        double cpuAccuracy = Run(cpu), cudaAccuracy = Run(cuda);
        Figures.Report("fashion_mnist_epoch", new Dictionary<string, object> { ["cpu_accuracy"] = cpuAccuracy, ["cuda_accuracy"] = cudaAccuracy });
        Assert.True(cudaAccuracy >= 0.85, $"CUDA reached {cudaAccuracy:P2} after one epoch.");
        Assert.True(Math.Abs(cudaAccuracy - cpuAccuracy) <= 0.005, $"CUDA reached {cudaAccuracy:P2}, the CPU backend {cpuAccuracy:P2}: more than 0.5 points apart.");
    }
}
