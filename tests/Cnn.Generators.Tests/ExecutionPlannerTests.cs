using Cnn.Generators.Helpers;
using Cnn.Generators.Layers;
using Cnn.Generators.Model;
using Cnn.Generators.Planning;
using Cnn.Generators.Shapes;

namespace Cnn.Generators.Tests;

/// <summary>
/// The planner on its own, without Roslyn: for zoo-like graphs (residual, concatenation, dropout,
/// batch norm, views) each plan is run step by step over its buffer assignment, tracking which
/// tensor last wrote every float of the arena, so that a read of a tensor whose memory another
/// tensor overwrote fails.
/// </summary>
public class ExecutionPlannerTests
{
    private static SizeArg S(int value) => SizeArg.Of(value);

    private static Conv2dSpec Conv(string name, int outChannels, int kernel, int stride = 1, int padding = 0)
        => new(name, null, S(outChannels), S(kernel), S(kernel), S(stride), S(stride), S(padding), S(padding), PaddingModeSpec.Explicit, S(1), S(1), S(1), true, S(0));

    /// <summary>A square pool; stride 0 means the kernel size, as the attribute's default.</summary>
    private static Pool2dSpec Pool(string name, PoolKindSpec kind, int kernel, int stride = 0, int padding = 0)
        => new(name, null, kind, S(kernel), S(kernel), S(stride), S(stride), S(padding), S(padding), false, true);

    private static ActivationSpec Act(string name, ActivationKindSpec kind, double slope = 0.01) => new(name, null, kind, slope);

    private static BatchNormSpec Bn(string name, bool image = true) => new(name, null, image, 1e-5, 0.1);

    private static EquatableArray<LayerSpec> Layers(params LayerSpec[] layers) => layers.ToEquatableArray();

    private static ShapedNetwork Shaped(InputSpec input, params LayerSpec[] layers)
    {
        ShapeResult result = ShapeInference.Infer(new NetworkSpec(null, "Net", "public", input, layers.ToEquatableArray(), null));
        Assert.Empty(result.Errors);
        return result.Network!;
    }

    /// <summary>conv-bn-relu, two residual blocks (one with a projection shortcut), pooling, dropout, a classifier.</summary>
    private static ShapedNetwork ResidualNet() => Shaped(new InputSpec(3, 12, 12, false, null),
        Conv("conv1", 8, 3, padding: 1), Bn("bn1"), Act("relu1", ActivationKindSpec.ReLU),
        new ResidualSpec("block1", null, Layers(Conv("b1conv1", 8, 3, padding: 1), Bn("b1bn1"), Act("b1relu1", ActivationKindSpec.ReLU), Conv("b1conv2", 8, 3, padding: 1), Bn("b1bn2")), null, EquatableArray<LayerSpec>.Empty),
        Act("relu2", ActivationKindSpec.ReLU),
        new ResidualSpec("block2", null, Layers(Conv("b2conv1", 16, 3, stride: 2, padding: 1), Bn("b2bn1"), Act("b2relu1", ActivationKindSpec.ReLU), Conv("b2conv2", 16, 3, padding: 1), Bn("b2bn2")),
            "downsample", Layers(Conv("0", 16, 1, stride: 2), Bn("1"))),
        Act("relu3", ActivationKindSpec.ReLU),
        Pool("pool", PoolKindSpec.Average, 6, 6),
        new FlattenSpec("flatten", null), new DropoutSpec("drop", null, 0.5),
        new LinearSpec("fc", null, S(10), S(0), true));

    /// <summary>An inception-like concatenation (one branch empty: the input itself), max pooling before ReLU, sigmoid, tanh, SiLU and a softmax head.</summary>
    private static ShapedNetwork ConcatNet() => Shaped(new InputSpec(4, 9, 11, false, null),
        Conv("stem", 6, 3, padding: 1), Pool("pool1", PoolKindSpec.Max, 2), Act("relu1", ActivationKindSpec.ReLU),
        new ConcatSpec("mix", null, new[]
        {
            new BranchSpec("a", Layers(Conv("c", 5, 1), Act("sig", ActivationKindSpec.Sigmoid))),
            new BranchSpec("b", Layers(Conv("c", 3, 3, padding: 1), Act("tanh", ActivationKindSpec.Tanh), Conv("d", 4, 1), Act("silu", ActivationKindSpec.SiLU))),
            new BranchSpec(null, EquatableArray<LayerSpec>.Empty),
        }.ToEquatableArray()),
        Act("leaky", ActivationKindSpec.LeakyReLU, 0.1), new FlattenSpec("flatten", null), new LinearSpec("fc1", null, S(20), S(0), true), Bn("bn", image: false),
        Act("relu2", ActivationKindSpec.ReLU), new LinearSpec("fc2", null, S(7), S(0), true), Act("softmax", ActivationKindSpec.Softmax));

    /// <summary>Each graph, for training (true) and for inference.</summary>
    public static TheoryData<string, bool> Graphs => new()
    {
        { nameof(ResidualNet), true }, { nameof(ResidualNet), false },
        { nameof(ConcatNet), true }, { nameof(ConcatNet), false },
    };

    private static PlanMode Mode(bool training) => training ? PlanMode.Training : PlanMode.Inference;

    private static ShapedNetwork Graph(string name) => name == nameof(ResidualNet) ? ResidualNet() : ConcatNet();

    /// <summary>The fused steps of a plan, as "head+batchnorm+activation" paths.</summary>
    private static string Chains(ShapedNetwork network, ExecutionPlan plan)
        => string.Join("; ", plan.Fusions.Select(c => string.Join("+", new[] { c.Head, c.BatchNorm, c.Activation, c.Pool }.Where(l => l >= 0).Select(l => network.Layers[l].Path))));

    [Fact]
    public void Fusion_FoldsBatchNormsOnlyForInference_AndTakesOnlyInPlaceActivationsThatNothingElseReads()
    {
        ShapedNetwork residual = ResidualNet();
        // Training: every convolution feeds a batch norm, which needs its input for backward; fc is the output.
        Assert.Equal("", Chains(residual, ExecutionPlanner.Plan(residual, PlanMode.Training)));
        // Inference: conv + bn (+ relu) everywhere; relu2 and relu3 follow a residual sum, which leads nothing.
        Assert.Equal("conv1+bn1+relu1; b1conv1+b1bn1+b1relu1; b1conv2+b1bn2; b2conv1+b2bn1+b2relu1; b2conv2+b2bn2; downsample.0+downsample.1",
            Chains(residual, ExecutionPlanner.Plan(residual, PlanMode.Inference)));

        // Sigmoid and Tanh after a convolution fuse in both plans; SiLU reads its input in backward, the
        // linear layers feed a batch norm and a softmax, which are not elementwise in-place activations.
        // In inference the stem also takes the max pool after it, and the ReLU after that pool.
        ShapedNetwork concat = ConcatNet();
        Assert.Equal("a.c+a.sig; b.c+b.tanh", Chains(concat, ExecutionPlanner.Plan(concat, PlanMode.Training)));
        Assert.Equal("stem+relu1+pool1; a.c+a.sig; b.c+b.tanh", Chains(concat, ExecutionPlanner.Plan(concat, PlanMode.Inference)));

        Assert.Empty(ExecutionPlanner.Plan(residual, PlanMode.Inference, fuse: false).Fusions);
    }

    [Fact]
    public void Fusion_SkipsAConvolutionWhoseOutputAnotherLayerAlsoReads()
    {
        // stem's output feeds relu1 and, as the identity shortcut, the residual sum.
        ShapedNetwork network = Shaped(new InputSpec(3, 6, 6, false, null),
            Conv("stem", 4, 3, padding: 1),
            new ResidualSpec("block", null, Layers(Act("relu1", ActivationKindSpec.ReLU), Conv("conv", 4, 3, padding: 1), Act("relu2", ActivationKindSpec.ReLU)), null, EquatableArray<LayerSpec>.Empty),
            new FlattenSpec("flatten", null), new LinearSpec("fc", null, S(3), S(0), true));
        Assert.Equal("conv+relu2", Chains(network, ExecutionPlanner.Plan(network, PlanMode.Inference)));
        // In training, relu2's output is read only by its own backward step (the sum reads nothing), so it
        // keeps a bit mask instead; a ReLU still fuses, and writes its mask after the fused step.
        ExecutionPlan training = ExecutionPlanner.Plan(network, PlanMode.Training);
        Assert.Equal("conv+relu2", Chains(network, training));
        Assert.Equal(new[] { "relu2" }, training.CompactMasks.Select(l => network.Layers[l].Path));
    }

    [Fact]
    public void Inference_MovesAMonotoneActivationAfterAMaxPoolIntoTheConvolutionsStep_AndNoOtherActivation()
    {
        // The tutorial net's order, conv → max pool → ReLU, and the cases that must stay apart: an
        // average pool (it does not commute with ReLU), a sigmoid (not declared monotone-exact), and a
        // second ReLU after a chain that already took one before its pool.
        ShapedNetwork network = Shaped(new InputSpec(1, 16, 16, false, null),
            Conv("conv1", 4, 3, padding: 1), Pool("pool1", PoolKindSpec.Max, 2), Act("relu1", ActivationKindSpec.ReLU),
            Conv("conv2", 4, 3, padding: 1), Pool("pool2", PoolKindSpec.Average, 2, 1), Act("relu2", ActivationKindSpec.ReLU),
            Conv("conv3", 4, 3, padding: 1), Pool("pool3", PoolKindSpec.Max, 2, 1), Act("sig", ActivationKindSpec.Sigmoid),
            Conv("conv4", 4, 1), Act("relu4", ActivationKindSpec.ReLU), Pool("pool4", PoolKindSpec.Max, 2), Act("relu5", ActivationKindSpec.ReLU),
            Conv("conv5", 4, 1), Pool("pool5", PoolKindSpec.Max, 1), Act("leaky", ActivationKindSpec.LeakyReLU, 0.2),
            new FlattenSpec("flatten", null), new LinearSpec("fc", null, S(3), S(0), true));
        ExecutionPlan inference = ExecutionPlanner.Plan(network, PlanMode.Inference);

        Assert.Equal("conv1+relu1+pool1; conv2+pool2; conv3+pool3; conv4+relu4+pool4; conv5+leaky+pool5", Chains(network, inference));
        FusedChain moved = inference.Fusions[0];
        Assert.True(moved.Activation > moved.Pool);
        Assert.Equal(moved.Activation, moved.Last);
        // The activation runs in place over the pool's output, where the fused step writes.
        int Layer(string path) => network.Layers.ToList().FindIndex(l => l.Path == path);
        Assert.Equal(inference.Tensors[inference.Values[network.Layers[Layer("pool1")].Output]].Buffer,
            inference.Tensors[inference.Values[network.Layers[Layer("relu1")].Output]].Buffer);
        Assert.Empty(Simulate(network, inference));
        // Training fuses no pools, so nothing moves.
        Assert.Equal("conv4+relu4", Chains(network, ExecutionPlanner.Plan(network, PlanMode.Training)));
    }

    [Theory]
    [MemberData(nameof(Graphs))]
    public void Simulation_ReadsEveryTensorAsItsWriterLeftIt(string graph, bool training)
    {
        ShapedNetwork network = Graph(graph);
        ExecutionPlan plan = ExecutionPlanner.Plan(network, Mode(training));

        Assert.Empty(Simulate(network, plan));
    }

    [Theory]
    [MemberData(nameof(Graphs))]
    public void OverlappingLifetimes_GetDisjointAlignedMemory(string graph, bool training)
    {
        ExecutionPlan plan = ExecutionPlanner.Plan(Graph(graph), Mode(training));

        Assert.All(plan.Buffers, b => Assert.Equal(0, b.Offset % Alignment.Floats));
        Assert.All(plan.Buffers, b => Assert.True(b.End <= plan.ActivationsPerSample));
        for (int a = 0; a < plan.Buffers.Count; a++)
        {
            for (int b = a + 1; b < plan.Buffers.Count; b++)
            {
                PlannedBuffer x = plan.Buffers[a], y = plan.Buffers[b];
                if (x.LiveWith(y)) Assert.True(x.End <= y.Offset || y.End <= x.Offset, $"buffers {a} and {b} are live together and overlap");
            }
        }
        // Tensors that share a buffer (in place) meet at one step at most: the step that reads one and writes the other.
        for (int a = 0; a < plan.Tensors.Count; a++)
        {
            for (int b = a + 1; b < plan.Tensors.Count; b++)
            {
                PlannedTensor x = plan.Tensors[a], y = plan.Tensors[b];
                if (x.Buffer != y.Buffer) continue;
                bool meetAtOneStep = x.LastStep == y.FirstStep || y.LastStep == x.FirstStep;
                bool disjoint = x.LastStep < y.FirstStep || y.LastStep < x.FirstStep;
                Assert.True(disjoint || meetAtOneStep, $"tensors {a} and {b} share a buffer while both live");
            }
        }
    }

    [Fact]
    public void Simulation_CatchesAPlanThatReusesALiveBuffer()
    {
        ShapedNetwork network = ResidualNet();
        ExecutionPlan plan = ExecutionPlanner.Plan(network, PlanMode.Training);
        // Put b1conv1's output over the stem convolution's output, which bn1's backward still reads.
        int stem = plan.Values[network.Layers[0].Output];
        int victim = plan.Values[network.Layers.First(l => l.Path == "b1conv1").Output];
        PlannedBuffer moved = plan.BufferOf(victim) with { Offset = plan.BufferOf(stem).Offset };
        var buffers = plan.Buffers.ToArray();
        buffers[plan.Tensors[victim].Buffer] = moved;

        Assert.NotEmpty(Simulate(network, plan with { Buffers = buffers.ToEquatableArray() }));
    }

    [Fact]
    public void Training_KeepsWhatBackwardReads_AndRunsActivationsInPlace()
    {
        ShapedNetwork network = ResidualNet();
        ExecutionPlan plan = ExecutionPlanner.Plan(network, PlanMode.Training);
        ShapedLayer Layer(string path) => network.Layers.First(l => l.Path == path);
        int Buffer(int tensor) => plan.Tensors[tensor].Buffer;

        // relu1 over bn1's output: bn1's backward reads its input (conv1's output), never its output.
        Assert.Equal(Buffer(plan.Values[Layer("bn1").Output]), Buffer(plan.Values[Layer("relu1").Output]));
        Assert.NotEqual(Buffer(plan.Values[Layer("conv1").Output]), Buffer(plan.Values[Layer("bn1").Output]));
        // ... and its input gradient over its output gradient.
        Assert.Equal(Buffer(plan.Gradients[Layer("bn1").Output]), Buffer(plan.Gradients[Layer("relu1").Output]));
        // conv1's output lives until bn1's backward step.
        int bn1Backward = plan.BackwardStep(network.Layers.ToList().IndexOf(Layer("bn1")), network.Layers.Count);
        Assert.Equal(bn1Backward, plan.Tensors[plan.Values[Layer("conv1").Output]].LastStep);
        Assert.Contains(plan.Values[Layer("conv1").Output], plan.Steps[bn1Backward].Reads);
        // The flatten is a view: the pool's tensors.
        Assert.Equal(plan.Values[Layer("pool").Output], plan.Values[Layer("flatten").Output]);
        Assert.Equal(plan.Gradients[Layer("pool").Output], plan.Gradients[Layer("flatten").Output]);
    }

    [Fact]
    public void MaxPool_KeepsIndicesInTraining_SoReLUAfterItRunsInPlaceInBothPlans()
    {
        ShapedNetwork network = ConcatNet();
        ShapedLayer pool = network.Layers.First(l => l.Path == "pool1"), relu = network.Layers.First(l => l.Path == "relu1");
        ExecutionPlan training = ExecutionPlanner.Plan(network, PlanMode.Training), inference = ExecutionPlanner.Plan(network, PlanMode.Inference);

        // pool1's backward reads its byte indices, not its output, so relu1 may overwrite that output.
        Assert.True(training.KeepsCompactMask(network.Layers.ToList().IndexOf(pool)));
        Assert.Equal(training.Tensors[training.Values[pool.Output]].Buffer, training.Tensors[training.Values[relu.Output]].Buffer);
        Assert.Equal(inference.Tensors[inference.Values[pool.Output]].Buffer, inference.Tensors[inference.Values[relu.Output]].Buffer);
        // relu1's output feeds the branches' convolutions, whose backward steps read it: no mask would free it.
        Assert.False(training.KeepsCompactMask(network.Layers.ToList().IndexOf(relu)));
        Assert.Empty(inference.CompactMasks);
        // SiLU's gradient needs its input: never in place.
        ShapedLayer silu = network.Layers.First(l => l.Path == "b.silu");
        Assert.NotEqual(inference.Tensors[inference.Values[silu.Input]].Buffer, inference.Tensors[inference.Values[silu.Output]].Buffer);
    }

    [Fact]
    public void CompactMasks_FreeTheFullTensorBetweenReLUAndMaxPool_AfterThePoolsForwardStep()
    {
        // VGG's pattern: conv → relu → max pool → conv. Only the masks remain of relu's output for backward.
        ShapedNetwork network = Shaped(new InputSpec(3, 16, 16, false, null),
            Conv("conv1", 8, 3, padding: 1), Act("relu1", ActivationKindSpec.ReLU), Pool("pool1", PoolKindSpec.Max, 2),
            Conv("conv2", 8, 3, padding: 1), Act("relu2", ActivationKindSpec.ReLU), Conv("conv3", 8, 3, padding: 1), Act("relu3", ActivationKindSpec.LeakyReLU, 0.1),
            Pool("pool2", PoolKindSpec.Max, 2), new FlattenSpec("flatten", null), new LinearSpec("fc", null, S(10), S(0), true));
        ExecutionPlan training = ExecutionPlanner.Plan(network, PlanMode.Training);
        int Layer(string path) => network.Layers.ToList().FindIndex(l => l.Path == path);

        // relu2's output is conv3's input, which conv3's weight gradient reads: relu2 keeps it. A ReLU fuses
        // either way; a LeakyReLU that keeps a mask (relu3) writes it in its own step, unfused.
        Assert.Equal(new[] { "relu1", "pool1", "relu3", "pool2" }, training.CompactMasks.Select(l => network.Layers[l].Path));
        Assert.Equal("conv1+relu1; conv2+relu2", Chains(network, training));
        PlannedTensor relu1 = training.Tensors[training.Values[network.Layers[Layer("relu1")].Output]];
        Assert.Equal(Layer("pool1"), relu1.LastStep);
        // A bit per value and a byte per pooled value, in whole floats per sample.
        Assert.Equal((8 * 16 * 16 + 31) / 32, training.Tensors[training.Masks[Layer("relu1")]].Size);
        Assert.Equal((8 * 8 * 8 + 3) / 4, training.Tensors[training.Masks[Layer("pool1")]].Size);
        Assert.Empty(Simulate(network, training));
    }

    [Fact]
    public void Inference_FusesConvolutionActivationAndPool_WithThePoolsOutputApartFromTheInput()
    {
        // conv → bn → relu → max pool, and conv → relu → average pool: each one step in inference; a pool
        // whose input something else also reads (the residual sum) stays a step of its own.
        ShapedNetwork network = Shaped(new InputSpec(3, 16, 16, false, null),
            Conv("conv1", 8, 3, padding: 1), Bn("bn1"), Act("relu1", ActivationKindSpec.ReLU), Pool("pool1", PoolKindSpec.Max, 2),
            Conv("conv2", 8, 3, padding: 1), Act("relu2", ActivationKindSpec.ReLU), Pool("pool2", PoolKindSpec.Average, 2),
            new ResidualSpec("block", null, Layers(Pool("pool3", PoolKindSpec.Max, 3, 1, 1)), null, EquatableArray<LayerSpec>.Empty),
            new FlattenSpec("flatten", null), new LinearSpec("fc", null, S(10), S(0), true));
        ExecutionPlan inference = ExecutionPlanner.Plan(network, PlanMode.Inference);

        Assert.Equal("conv1+bn1+relu1+pool1; conv2+relu2+pool2", Chains(network, inference));
        // Training keeps pools apart (they save indices or nothing), and bn1 needs its input.
        Assert.Equal("conv2+relu2", Chains(network, ExecutionPlanner.Plan(network, PlanMode.Training)));
        foreach (FusedChain chain in inference.Fusions)
        {
            // The pool's output is live from the head's step on, so it never shares memory with the convolution's input.
            PlannedTensor input = inference.Tensors[inference.Values[network.Layers[chain.Head].Input]];
            PlannedTensor pooled = inference.Tensors[inference.Values[network.Layers[chain.Pool].Output]];
            Assert.Equal(chain.Head, pooled.FirstStep);
            PlannedBuffer a = inference.BufferOf(inference.Values[network.Layers[chain.Head].Input]), b = inference.Buffers[pooled.Buffer];
            Assert.True(a.End <= b.Offset || b.End <= a.Offset, $"{network.Layers[chain.Head].Path}'s input and {network.Layers[chain.Pool].Path}'s output overlap");
            Assert.NotEqual(input.Buffer, pooled.Buffer);
        }
        Assert.Empty(ExecutionPlanner.Plan(network, PlanMode.Inference, fuse: false).Fusions);
    }

    [Fact]
    public void BatchNorm_RunsInPlaceOnlyForInference_WhereNoBackwardReadsItsInput()
    {
        ShapedNetwork network = ResidualNet();
        ShapedLayer conv = network.Layers.First(l => l.Path == "conv1"), norm = network.Layers.First(l => l.Path == "bn1"), relu = network.Layers.First(l => l.Path == "relu1");
        ExecutionPlan training = ExecutionPlanner.Plan(network, PlanMode.Training), inference = ExecutionPlanner.Plan(network, PlanMode.Inference);

        Assert.NotEqual(training.Tensors[training.Values[conv.Output]].Buffer, training.Tensors[training.Values[norm.Output]].Buffer);
        // conv1 → bn1 → relu1 is one buffer when nothing is kept for a backward pass.
        Assert.Equal(inference.Tensors[inference.Values[conv.Output]].Buffer, inference.Tensors[inference.Values[norm.Output]].Buffer);
        Assert.Equal(inference.Tensors[inference.Values[conv.Output]].Buffer, inference.Tensors[inference.Values[relu.Output]].Buffer);
    }

    [Theory]
    [InlineData(nameof(ResidualNet))]
    [InlineData(nameof(ConcatNet))]
    public void Inference_HasNoGradientButTheOutputs_AndNeedsLessThanTraining(string graph)
    {
        ShapedNetwork network = Graph(graph);
        ExecutionPlan training = ExecutionPlanner.Plan(network, PlanMode.Training), inference = ExecutionPlanner.Plan(network, PlanMode.Inference);
        int output = network.Layers[network.Layers.Count - 1].Output;

        Assert.Equal(network.Layers.Count, inference.Steps.Count);
        Assert.All(Enumerable.Range(0, network.Tensors.Count).Where(t => t != output), t => Assert.Equal(-1, inference.Gradients[t]));
        Assert.True(inference.Gradients[output] >= 0, "a loss writes the output gradient when evaluating");
        Assert.All(inference.Scratches, s => Assert.Equal(-1, s));
        Assert.True(inference.ActivationsPerSample < training.ActivationsPerSample);
        // Liveness beats a slot per value and gradient, the layout before planning (which also had masks, scratch and labels).
        long slotPerTensor = network.Tensors.DistinctBy(t => t.Storage).Sum(t => Alignment.Align(t.Shape.Size) * (t.HasGradient ? 2 : 1));
        Assert.True(training.ActivationsPerSample < slotPerTensor, $"{training.ActivationsPerSample} vs {slotPerTensor}");
    }

    /// <summary>
    /// Runs the plan's steps over its buffers, recording which tensor last wrote each float; reports
    /// every read of a float that another tensor wrote since, and every write over a float that a
    /// different tensor of the same step reads unless the layer runs in place over exactly it.
    /// The caller writes the input and labels before the first step and the output gradient after
    /// the forward steps; the input, labels, output and output gradient must survive every step.
    /// </summary>
    private static List<string> Simulate(ShapedNetwork network, ExecutionPlan plan)
    {
        var errors = new List<string>();
        int[] owner = Enumerable.Repeat(-1, (int)plan.ActivationsPerSample + 1).ToArray();
        (long Start, long End) Range(int t) => (plan.BufferOf(t).Offset, plan.BufferOf(t).Offset + plan.Tensors[t].Size);
        void Write(int t)
        {
            (long start, long end) = Range(t);
            for (long i = start; i < end; i++) owner[i] = t;
        }
        void Check(int t, string when)
        {
            (long start, long end) = Range(t);
            for (long i = start; i < end; i++)
            {
                if (owner[i] == t) continue;
                errors.Add($"{when}: {Describe(plan, t)} reads float {i}, last written by {(owner[i] < 0 ? "nobody" : Describe(plan, owner[i]))}");
                return;
            }
        }

        int output = network.Layers[network.Layers.Count - 1].Output;
        int[] pinned = new[] { plan.Values[0], plan.Labels, plan.Values[output], plan.Gradients[output] }.Where(t => t >= 0).ToArray();
        Write(plan.Values[0]);
        Write(plan.Labels);
        for (int step = 0; step < plan.Steps.Count; step++)
        {
            PlanStep s = plan.Steps[step];
            string when = $"step {step} ({network.Layers[s.Layer].Path} {(s.IsBackward ? "backward" : "forward")})";
            foreach (int t in s.Reads) Check(t, when);
            foreach (int w in s.Writes)
            {
                foreach (int r in s.Reads)
                {
                    if (r == w) continue;
                    (long ws, long we) = Range(w);
                    (long rs, long re) = Range(r);
                    if (ws >= re || rs >= we) continue;
                    ShapedLayer layer = network.Layers[s.Layer];
                    bool inPlace = plan.Mode == PlanMode.Training ? layer.Resolved.Rules.RunsInPlace(layer) : layer.Resolved.Rules.ForwardRunsInPlace(layer);
                    if (!inPlace || ws != rs || we != re) errors.Add($"{when}: writes {Describe(plan, w)} over {Describe(plan, r)}, which it reads");
                }
            }
            foreach (int t in s.Writes) Write(t);
            if (!s.IsBackward && s.Layer == network.Layers.Count - 1 && plan.Gradients[output] >= 0) Write(plan.Gradients[output]);
        }
        foreach (int t in pinned) Check(t, "after the last step");
        return errors;
    }

    private static string Describe(ExecutionPlan plan, int t) => $"#{t} {plan.Tensors[t].Role} of {plan.Tensors[t].Index}";
}
