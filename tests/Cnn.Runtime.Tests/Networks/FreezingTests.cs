using Cnn.Losses;
using Cnn.Optimizers;
using Cnn.Tests;
using Xunit;

namespace Cnn.Runtime.Tests.Networks;

/// <summary>Freezing parameters of a generated network: skipped gradients, untouched optimizer state, batch norm held in evaluation mode.</summary>
public class FreezingTests
{
    private const int Batch = 4;
    private const float Stale = 7f;

    [Fact]
    public void Backward_SkipsFrozenGradients_AndComputesTheOthersBitForBit()
    {
        using var reference = Prepared(new CompositionNet(Batch, seed: 11));
        using var frozen = Prepared(new CompositionNet(Batch, seed: 11));
        // The stem (first layer), a whole residual block and a batch norm between two linear layers.
        Assert.Equal(2 + 7 + 2, frozen.Freeze("stem", "res1", "bn"));
        frozen.Backend.Fill(frozen.Gradients, Stale);

        float[] expected = Pass(reference), actual = Pass(frozen);

        IReadOnlyList<ParameterInfo> infos = frozen.ParameterInfos;
        for (int i = 0; i < infos.Count; i++)
        {
            ParameterInfo p = infos[i];
            ReadOnlySpan<float> ours = actual.AsSpan((int)p.Offset, p.Length), full = expected.AsSpan((int)p.Offset, p.Length);
            if (frozen.FrozenParameters[i]) Assert.True(ours.IndexOfAnyExcept(Stale) < 0, $"{p.Name} is frozen, but Backward wrote its gradient");
            else Assert.True(ours.SequenceEqual(full), $"{p.Name}'s gradient differs from the one computed with nothing frozen");
        }
    }

    [Fact]
    public void Freeze_ZeroesTheFrozenGradients_AndUnfreezeTrainsThemAgain()
    {
        using var network = Prepared(new CompositionNet(Batch, seed: 11));
        Pass(network);
        network.Freeze("fc2");
        ParameterInfo weight = network.ParameterInfos.Single(p => p.Name == "fc2.weight");
        Assert.True(Pass(network).AsSpan((int)weight.Offset, weight.Length).IndexOfAnyExcept(0f) < 0);
        Assert.True(network.IsFrozen("fc2.weight"));

        network.Unfreeze("fc2");
        Assert.False(network.IsFrozen("fc2.weight"));
        Assert.True(Pass(network).AsSpan((int)weight.Offset, weight.Length).IndexOfAnyExcept(0f) >= 0);
    }

    [Fact]
    public void Freeze_APrefixThatMatchesNoParameter_Throws_NamingTheLayers()
    {
        using var network = new CompositionNet(Batch, seed: 11);
        // "res" is not "res1": a prefix selects whole name segments.
        var error = Assert.Throws<ArgumentException>(() => network.Freeze("res"));
        Assert.Contains("'res' matches no parameter", error.Message);
        Assert.Contains("res1.conv1", error.Message);
        Assert.False(network.AnyFrozen());
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adamw")]
    public void Step_LeavesFrozenParametersAndTheirStateUntouched(string name)
    {
        using var network = Prepared(new CompositionNet(Batch, seed: 11));
        network.Freeze("res2", "fc1");
        float[] before = Download(network, network.Parameters);
        using Optimizer optimizer = name == "sgd" ? new Sgd(network, 0.1f, momentum: 0.9f, weightDecay: 1e-3f) { L2 = 1e-3f } : new AdamW(network, 1e-2f);
        for (int step = 0; step < 3; step++)
        {
            Pass(network);
            optimizer.Step();
        }

        float[] after = Download(network, network.Parameters);
        var states = optimizer.State.Select(s => Download(network, s.Value)).ToList();
        Assert.NotEmpty(states);
        IReadOnlyList<ParameterInfo> infos = network.ParameterInfos;
        for (int i = 0; i < infos.Count; i++)
        {
            ParameterInfo p = infos[i];
            var range = new Range((int)p.Offset, (int)p.Offset + p.Length);
            if (network.FrozenParameters[i])
            {
                Assert.True(after.AsSpan(range).SequenceEqual(before.AsSpan(range)), $"{name} changed frozen {p.Name}");
                Assert.All(states, s => Assert.True(s.AsSpan(range).IndexOfAnyExcept(0f) < 0, $"{name} wrote state for frozen {p.Name}"));
                Assert.Equal(0, optimizer.ParameterSteps[i]);
            }
            else
            {
                Assert.False(after.AsSpan(range).SequenceEqual(before.AsSpan(range)), $"{name} did not train {p.Name}");
                Assert.Equal(3, optimizer.ParameterSteps[i]);
            }
        }
    }

    [Fact]
    public void OneGroupWithNothingFrozen_StepsAsTheWholeBufferDoes()
    {
        using var whole = Prepared(new CompositionNet(Batch, seed: 11));
        using var grouped = Prepared(new CompositionNet(Batch, seed: 11));
        using var wholeAdam = new Adam(whole, 1e-2f, weightDecay: 1e-3f);
        // Every parameter in explicit groups with the default settings: stepped run by run.
        using var groupedAdam = new Adam(grouped, 1e-2f, weightDecay: 1e-3f) { Groups = [new ParameterGroup("stem", "res1", "res2"), new ParameterGroup("mix", "fc1", "bn", "fc2")] };
        for (int step = 0; step < 2; step++)
        {
            Pass(whole);
            Pass(grouped);
            wholeAdam.Step();
            groupedAdam.Step();
        }
        Assert.Equal(Download(whole, whole.Parameters), Download(grouped, grouped.Parameters));
    }

    [Fact]
    public void Groups_AParameterInTwoGroups_Throws()
    {
        using var network = new CompositionNet(Batch, seed: 11);
        var error = Assert.Throws<ArgumentException>(() => new Sgd(network, 0.1f) { Groups = [new ParameterGroup("res1"), new ParameterGroup("res1.conv1")] });
        Assert.Contains("'res1.conv1.weight' is in group 0 and group 1", error.Message);
    }

    [Fact]
    public void EvaluateFrozenBatchNorm_NormalisesWithRunningStatistics_AndLeavesThem()
    {
        using var network = Prepared(new CompositionNet(Batch, seed: 11));
        network.Freeze("res1");
        network.EvaluateFrozenBatchNorm = true;
        float[] before = Download(network, network.Buffers);
        network.Forward(Batch);
        float[] after = Download(network, network.Buffers);

        foreach (ParameterInfo b in network.BufferInfos)
        {
            var range = new Range((int)b.Offset, (int)b.Offset + b.Length);
            bool same = after.AsSpan(range).SequenceEqual(before.AsSpan(range));
            if (b.Layer.StartsWith("res1.", StringComparison.Ordinal)) Assert.True(same, $"frozen {b.Name} changed in training");
            else Assert.False(same, $"{b.Name} of a trainable batch norm did not update");
        }

        // Without it, the frozen batch norm trains on batch statistics, as PyTorch's model.train() does.
        network.EvaluateFrozenBatchNorm = false;
        network.Forward(Batch);
        Assert.False(Download(network, network.Buffers).SequenceEqual(after));
    }

    private static INetwork Prepared(INetwork network)
    {
        network.Training = true;
        network.Backend.Upload(RandomTestData.Uniform(Batch * network.InputShape.Size, 5), network.Input.Slice(0, Batch * network.InputShape.Size));
        network.Backend.Upload(RandomTestData.Labels(Batch, network.OutputSize, 6), network.Labels.Slice(0, Batch));
        return network;
    }

    /// <summary>Forward, loss and backward; returns the gradients.</summary>
    private static float[] Pass(INetwork network)
    {
        network.Forward(Batch);
        new CrossEntropyLoss().Compute(network, Batch);
        network.Backward(Batch);
        return Download(network, network.Gradients);
    }

    private static float[] Download(INetwork network, Tensor tensor)
    {
        var values = new float[tensor.Length];
        network.Backend.Download(tensor, values);
        return values;
    }
}
