using Cnn.IO;
using Cnn.Optimizers;
using Cnn.Data.Tests;
using Cnn.Runtime.Tests.Networks;
using Xunit;

namespace Cnn.Runtime.Tests.Parity;

/// <summary>
/// Parameter groups and frozen parameters against PyTorch 1.13's optimizers (float64): four steps
/// of SGD with momentum, Adam and AdamW from the same weights and gradients, with conv1/conv2 in a
/// group of their own learning rate and weight decay, and fc2 frozen for the first two steps (no
/// gradient in PyTorch), so its momentum and Adam's bias correction start at its first real step.
/// </summary>
public class ParameterGroupParityTests
{
    private const int Steps = 4;
    private const int FrozenSteps = 2;

    public static TheoryData<string> Optimizers => new() { "sgd", "adam", "adamw" };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void TwoGroupsAndALateUnfreeze_MatchPyTorch(string name)
    {
        using var directory = new TempDirectory("cnn-param-groups-");
        using var network = new SmallConvNet(2, seed: 3);
        string state = Path.Combine(directory.Path, "state.safetensors"), grads = Path.Combine(directory.Path, "grads.safetensors");
        string result = Path.Combine(directory.Path, "result.safetensors");
        ModelFile.Save(network, state);
        float[][] gradients = WriteGradients(network, grads);
        (int code, string output) = TorchParityFixture.Run("param-groups", "--state", state, "--grads", grads, "--out", result);
        Assert.True(code == 0, $"torch_parity.py param-groups failed ({code}); install PyTorch with 'apt-get install -y python3-torch python3-torchvision' (CI does).\n{output}");

        var groups = new[] { new ParameterGroup("conv1", "conv2") { LearningRate = 0.02f, WeightDecay = 1e-2f } };
        using Optimizer optimizer = name switch
        {
            "sgd" => new Sgd(network, 0.1f, momentum: 0.9f, weightDecay: 1e-4f) { Groups = groups },
            "adam" => new Adam(network, 1e-2f, weightDecay: 1e-4f) { Groups = groups },
            _ => new AdamW(network, 1e-2f, weightDecay: 1e-4f) { Groups = groups },
        };
        network.Freeze("fc2");
        for (int step = 1; step <= Steps; step++)
        {
            if (step == FrozenSteps + 1) network.Unfreeze("fc2");
            network.Backend.Upload(gradients[step - 1], network.Gradients);
            optimizer.Step();
        }

        float[] parameters = new float[network.Parameters.Length];
        network.Backend.Download(network.Parameters, parameters);
        using SafeTensorsFile torch = SafeTensorsFile.Open(result);
        foreach (ParameterInfo p in network.ParameterInfos)
        {
            Assert.True(torch.TryGetTensor($"{name}.{p.Name}", out SafeTensorInfo? tensor));
            var expected = new float[p.Length];
            torch.ReadAsSingle(tensor, expected);
            double scale = expected.Max(v => Math.Abs((double)v)), error = 0;
            for (int i = 0; i < p.Length; i++) error = Math.Max(error, Math.Abs(parameters[p.Offset + i] - (double)expected[i]));
            Assert.True(error <= 1e-5 * scale, $"{name} {p.Name}: max error {error:E2} against PyTorch, scale {scale:E2}");
        }
        Assert.Equal([Steps, Steps, Steps, Steps, Steps, Steps, Steps - FrozenSteps, Steps - FrozenSteps], optimizer.ParameterSteps);
    }

    /// <summary>Seeded gradients per step, laid out like the gradient buffer, written as step&lt;k&gt;.&lt;name&gt; (none for fc2 while it is frozen).</summary>
    private static float[][] WriteGradients(INetwork network, string path)
    {
        var random = new SeededRandom(17);
        var writer = new SafeTensorsWriter();
        var steps = new float[Steps][];
        for (int step = 1; step <= Steps; step++)
        {
            float[] values = steps[step - 1] = new float[network.Parameters.Length];
            foreach (ParameterInfo p in network.ParameterInfos)
            {
                for (int i = 0; i < p.Length; i++) values[p.Offset + i] = (float)(0.1 * random.NextGaussian());
                if (step <= FrozenSteps && p.Layer == "fc2") continue;
                writer.AddSingle($"step{step}.{p.Name}", p.Shape.Select(d => (long)d).ToArray(), values.AsMemory((int)p.Offset, p.Length));
            }
        }
        writer.Save(path);
        return steps;
    }
}
