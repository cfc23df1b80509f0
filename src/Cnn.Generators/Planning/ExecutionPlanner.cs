using System;
using System.Collections.Generic;
using System.Linq;
using Cnn.Generators.Helpers;
using Cnn.Generators.Shapes;

namespace Cnn.Generators.Planning
{
    /// <summary>
    /// Plans the activation arena of a shaped network for one mode, as ONNX Runtime's allocation
    /// planner and TFLite's arena planner do: list the steps, find each tensor's first and last use
    /// (what a backward step reads comes from its layer kind's <c>SavedForBackward</c>), let an
    /// in-place layer's output take its input's buffer when nothing else reads the input, then
    /// place the buffers greedily, largest first, each at the best-fitting gap among the buffers
    /// live at the same time. Pure code over plain records.
    /// </summary>
    internal static class ExecutionPlanner
    {
        /// <summary>Both plans of <paramref name="network"/>; <paramref name="fuse"/> false keeps every layer a step of its own.</summary>
        public static NetworkPlans PlanBoth(ShapedNetwork network, bool fuse = true)
            => new NetworkPlans(Plan(network, PlanMode.Training, fuse), Plan(network, PlanMode.Inference, fuse));

        public static ExecutionPlan Plan(ShapedNetwork network, PlanMode mode, bool fuse = true)
        {
            var builder = new PlanBuilder(network, mode);
            builder.ChooseCompactMasks();
            builder.AddTensors();
            builder.AddSteps();
            builder.Pin();
            builder.RunInPlace();
            return builder.Finish(fuse ? builder.Fuse() : new List<FusedChain>());
        }

        private sealed class PlanBuilder
        {
            private readonly ShapedNetwork _network;
            private readonly PlanMode _mode;
            private readonly int _layers;
            private readonly List<(PlannedRole Role, int Index, long Size)> _tensors = new List<(PlannedRole, int, long)>();
            private readonly List<List<int>> _uses = new List<List<int>>();
            private readonly List<List<int>> _reads = new List<List<int>>();
            private readonly List<PlanStep> _steps = new List<PlanStep>();
            private readonly HashSet<int> _pinned = new HashSet<int>();
            private int[] _values = Array.Empty<int>(), _gradients = Array.Empty<int>(), _masks = Array.Empty<int>(), _scratches = Array.Empty<int>();
            private int[] _parent = Array.Empty<int>();
            private bool[] _compact = Array.Empty<bool>();
            private int _labels;

            public PlanBuilder(ShapedNetwork network, PlanMode mode)
            {
                _network = network;
                _mode = mode;
                _layers = network.Layers.Count;
            }

            private bool Training => _mode == PlanMode.Training;

            private int LastStep => Training ? 2 * _layers - 1 : _layers - 1;

            private int Output => _network.Layers[_layers - 1].Output;

            /// <summary>A layer whose output is a view of its input (Flatten): it shares the input's tensors and has no step.</summary>
            private bool IsView(ShapedLayer layer)
                => layer.Inputs.Count == 1 && _network.Tensors[layer.Output].Storage == _network.Tensors[layer.Input].Storage;

            private int NewTensor(PlannedRole role, int index, long size)
            {
                _tensors.Add((role, index, size));
                _uses.Add(new List<int>());
                _reads.Add(new List<int>());
                return _tensors.Count - 1;
            }

            /// <summary>Whether the layer has a backward step: it owns parameters or passes a gradient on.</summary>
            private bool HasBackward(ShapedLayer layer)
                => !IsView(layer) && (layer.ParameterCount > 0 || layer.Routes.Any(r => r != GradientRoute.None));

            /// <summary>
            /// In training, the layers that keep a compact mask (ReLU bits, max-pool indices) instead of
            /// full tensors, where that frees one: a layer whose kind has a mask takes it while some tensor
            /// it would stop reading is then read by no other backward step (nor by the caller). Starting
            /// from every such layer, one that frees nothing goes back to reading its tensors, which may
            /// take another's gain away, until nothing changes. ReLU then max pooling (VGG, ResNet's stem)
            /// both take theirs and the full-size tensor between them dies after the pool's forward step.
            /// </summary>
            public void ChooseCompactMasks()
            {
                _compact = new bool[_layers];
                if (!Training) return;
                // Which shaped tensor holds each tensor's value: a view shares its input's.
                int[] root = Enumerable.Range(0, _network.Tensors.Count).ToArray();
                for (int i = 0; i < _layers; i++)
                {
                    ShapedLayer layer = _network.Layers[i];
                    if (IsView(layer)) root[layer.Output] = root[layer.Input];
                    _compact[i] = HasBackward(layer) && layer.Resolved.Rules.CompactMask(layer) is not null;
                }
                IEnumerable<int> Reads(int i, SavedTensors saved)
                {
                    ShapedLayer layer = _network.Layers[i];
                    if ((saved & SavedTensors.Input) != 0) foreach (int input in layer.Inputs) yield return root[input];
                    if ((saved & SavedTensors.Output) != 0) yield return root[layer.Output];
                }
                for (bool changed = true; changed;)
                {
                    changed = false;
                    int[] readers = new int[_network.Tensors.Count];
                    readers[root[0]]++;
                    readers[root[Output]]++;
                    for (int i = 0; i < _layers; i++)
                    {
                        ShapedLayer layer = _network.Layers[i];
                        if (!HasBackward(layer) || _compact[i]) continue;
                        foreach (int t in Reads(i, layer.Resolved.Rules.SavedForBackward(layer)).Distinct()) readers[t]++;
                    }
                    for (int i = 0; i < _layers; i++)
                    {
                        ShapedLayer layer = _network.Layers[i];
                        if (!_compact[i] || Reads(i, layer.Resolved.Rules.CompactMask(layer)!.Replaces).Any(t => readers[t] == 0)) continue;
                        _compact[i] = false;
                        changed = true;
                    }
                }
            }

            public void AddTensors()
            {
                int count = _network.Tensors.Count;
                _values = Enumerable.Repeat(-1, count).ToArray();
                _gradients = Enumerable.Repeat(-1, count).ToArray();
                _masks = Enumerable.Repeat(-1, _layers).ToArray();
                _scratches = Enumerable.Repeat(-1, _layers).ToArray();
                _values[0] = NewTensor(PlannedRole.Value, 0, _network.Tensors[0].Shape.Size);
                for (int i = 0; i < _layers; i++)
                {
                    ShapedLayer layer = _network.Layers[i];
                    long size = layer.OutputShape.Size;
                    bool view = IsView(layer);
                    _values[layer.Output] = view ? _values[layer.Input] : NewTensor(PlannedRole.Value, layer.Output, size);
                    bool hasGradient = _network.Tensors[layer.Output].HasGradient && (Training || layer.Output == Output);
                    if (hasGradient) _gradients[layer.Output] = view ? _gradients[layer.Input] : NewTensor(PlannedRole.Gradient, layer.Output, size);
                    if (layer.HasMask) _masks[i] = NewTensor(PlannedRole.Mask, i, layer.InputShape.Size);
                    else if (_compact[i]) _masks[i] = NewTensor(PlannedRole.Mask, i, layer.Resolved.Rules.CompactMask(layer)!.FloatsPerSample);
                    if (!Training) continue;
                    long scratch = 0;
                    for (int k = 0; k < layer.Inputs.Count; k++)
                    {
                        if (layer.Routes[k] == GradientRoute.Accumulate) scratch = Math.Max(scratch, _network.Tensors[layer.Inputs[k]].Shape.Size);
                    }
                    if (scratch > 0) _scratches[i] = NewTensor(PlannedRole.Scratch, i, scratch);
                }
                _labels = NewTensor(PlannedRole.Labels, -1, 1);
            }

            public void AddSteps()
            {
                for (int i = 0; i < _layers; i++)
                {
                    ShapedLayer layer = _network.Layers[i];
                    var reads = new List<int>();
                    var writes = new List<int>();
                    if (!IsView(layer))
                    {
                        foreach (int input in layer.Inputs) reads.Add(_values[input]);
                        writes.Add(_values[layer.Output]);
                        if (_masks[i] >= 0) writes.Add(_masks[i]);
                    }
                    AddStep(i, false, reads, writes);
                }
                if (!Training) return;
                for (int i = _layers - 1; i >= 0; i--)
                {
                    ShapedLayer layer = _network.Layers[i];
                    var reads = new List<int>();
                    var writes = new List<int>();
                    if (HasBackward(layer))
                    {
                        reads.Add(_gradients[layer.Output]);
                        SavedTensors saved = _compact[i] ? SavedTensors.Mask : layer.Resolved.Rules.SavedForBackward(layer);
                        if ((saved & SavedTensors.Input) != 0) foreach (int input in layer.Inputs) reads.Add(_values[input]);
                        if ((saved & SavedTensors.Output) != 0) reads.Add(_values[layer.Output]);
                        if ((saved & SavedTensors.Mask) != 0 && _masks[i] >= 0) reads.Add(_masks[i]);
                        for (int k = 0; k < layer.Inputs.Count; k++)
                        {
                            int gradient = _gradients[layer.Inputs[k]];
                            if (layer.Routes[k] == GradientRoute.Write) writes.Add(gradient);
                            if (layer.Routes[k] != GradientRoute.Accumulate) continue;
                            // The contribution goes to the scratch (written, then read within the step), then is added to the gradient so far.
                            reads.Add(gradient);
                            writes.Add(gradient);
                            writes.Add(_scratches[i]);
                        }
                    }
                    AddStep(i, true, reads, writes);
                }
            }

            private void AddStep(int layer, bool backward, List<int> reads, List<int> writes)
            {
                int step = _steps.Count;
                foreach (int t in reads)
                {
                    _reads[t].Add(step);
                    _uses[t].Add(step);
                }
                foreach (int t in writes) _uses[t].Add(step);
                _steps.Add(new PlanStep(layer, backward, reads.Distinct().ToEquatableArray(), writes.Distinct().ToEquatableArray()));
            }

            /// <summary>
            /// What the caller reads or writes between calls lives through every step: the input (written
            /// before Forward, replayed by LayerOutput), the labels, the output, and the output gradient
            /// from the end of the forward pass on (a loss writes it before Backward).
            /// </summary>
            public void Pin()
            {
                foreach (int t in new[] { _values[0], _labels, _values[Output] })
                {
                    _pinned.Add(t);
                    _uses[t].Add(0);
                    _uses[t].Add(LastStep);
                }
                int outputGradient = _gradients[Output];
                if (outputGradient < 0) return;
                _pinned.Add(outputGradient);
                _uses[outputGradient].Add(_layers - 1);
                _uses[outputGradient].Add(LastStep);
            }

            /// <summary>
            /// An in-place layer's output takes its input's buffer when no other step reads the input
            /// (for inference, a layer whose forward alone runs in place); in training, its input
            /// gradient takes its output gradient's buffer when that is the gradient's last use.
            /// </summary>
            public void RunInPlace()
            {
                _parent = Enumerable.Range(0, _tensors.Count).ToArray();
                for (int i = 0; i < _layers; i++)
                {
                    ShapedLayer layer = _network.Layers[i];
                    bool inPlace = Training ? layer.Resolved.Rules.RunsInPlace(layer) : layer.Resolved.Rules.ForwardRunsInPlace(layer);
                    if (IsView(layer) || !inPlace) continue;
                    int x = _values[layer.Input], y = _values[layer.Output];
                    if (!_pinned.Contains(x) && _reads[x].All(step => step == i)) _parent[Find(y)] = Find(x);
                    if (!Training || layer.Routes[0] != GradientRoute.Write) continue;
                    int step = 2 * _layers - 1 - i;
                    int dy = _gradients[layer.Output], dx = _gradients[layer.Input];
                    if (dy >= 0 && !_pinned.Contains(dy) && _uses[dy].All(s => s <= step) && _uses[dx].All(s => s >= step)) _parent[Find(dx)] = Find(dy);
                }
            }

            private int Find(int t)
            {
                while (_parent[t] != t) t = _parent[t] = _parent[_parent[t]];
                return t;
            }

            /// <summary>
            /// Fused steps, as ONNX Runtime's and TVM's graph passes fuse: a convolution or linear layer
            /// takes the layers after it that its kind allows (a batch norm folded into a convolution in
            /// inference, then an in-place activation) while each reads only its predecessor's output,
            /// nothing else reads that output, and the planner already put both in one buffer; in
            /// inference a convolution's step then takes the pool after it, which writes its own buffer,
            /// and a monotone activation after a max pool when it took none before it.
            /// </summary>
            public List<FusedChain> Fuse()
            {
                var chains = new List<FusedChain>();
                int[] consumers = new int[_network.Tensors.Count];
                foreach (ShapedLayer layer in _network.Layers)
                {
                    foreach (int input in layer.Inputs) consumers[input]++;
                }
                for (int i = 0; i < _layers; i++)
                {
                    FusionRole role = RoleOf(i);
                    if (role != FusionRole.Convolution && role != FusionRole.Linear) continue;
                    int end = i, batchNorm = -1, activation = -1;
                    if (role == FusionRole.Convolution && !Training && Follows(end, FusionRole.BatchNorm, consumers)) batchNorm = ++end;
                    if (Follows(end, FusionRole.Activation, consumers)) activation = ++end;
                    int pool = -1;
                    if (role == FusionRole.Convolution && !Training && PoolFollows(end, consumers))
                    {
                        pool = ++end;
                        // The step writes the pool's output while it still reads the convolution's input
                        // (workers pool the images they finish): the two must not share memory.
                        _uses[_values[_network.Layers[pool].Output]].Add(i);
                        // A monotone activation after a max pool (the tutorial net's conv, pool, ReLU)
                        // gives the same values before it, where the step's epilogue applies it.
                        if (activation < 0 && Layer(pool).Resolved.Rules.CommutesWithMonotone(Layer(pool))
                            && Follows(end, FusionRole.Activation, consumers) && Layer(end + 1).Resolved.Rules.IsMonotone(Layer(end + 1)))
                            activation = ++end;
                    }
                    if (end == i) continue;
                    chains.Add(new FusedChain(i, batchNorm, activation, pool));
                    i = end;
                }
                return chains;
            }

            /// <summary>Whether the layer after <paramref name="producer"/> is a pool that reads only its output, which nothing else reads.</summary>
            private bool PoolFollows(int producer, int[] consumers)
            {
                int next = producer + 1;
                if (next >= _layers || RoleOf(next) != FusionRole.Pool) return false;
                ShapedLayer layer = _network.Layers[next];
                int value = _network.Layers[producer].Output;
                return layer.Inputs.Count == 1 && layer.Input == value && consumers[value] == 1 && value != Output;
            }

            private ShapedLayer Layer(int layer) => _network.Layers[layer];

            private FusionRole RoleOf(int layer) => _network.Layers[layer].Resolved.Rules.FusionRole(_network.Layers[layer]);

            /// <summary>Whether the layer after <paramref name="producer"/> has <paramref name="role"/> and may join its step.</summary>
            private bool Follows(int producer, FusionRole role, int[] consumers)
            {
                int next = producer + 1;
                // A layer that keeps a compact mask writes it in its own forward step, after the fused one
                // for a ReLU (which gives the same output run again over its own).
                if (next >= _layers || RoleOf(next) != role) return false;
                if (_compact[next] && !_network.Layers[next].Resolved.Rules.CompactMask(_network.Layers[next])!.Reapplies) return false;
                ShapedLayer layer = _network.Layers[next];
                int value = _network.Layers[producer].Output;
                return layer.Inputs.Count == 1 && layer.Input == value && consumers[value] == 1 && value != Output
                    && Find(_values[layer.Output]) == Find(_values[value]);
            }

            public ExecutionPlan Finish(List<FusedChain> fusions)
            {
                // A tensor no step touches (a gradient nothing reads) still gets a place, live at step 0 only.
                int First(int t) => _uses[t].Count == 0 ? 0 : _uses[t].Min();
                int Last(int t) => _uses[t].Count == 0 ? 0 : _uses[t].Max();

                var roots = new Dictionary<int, int>();
                var groups = new List<(long Size, int First, int Last)>();
                int[] bufferOf = new int[_tensors.Count];
                for (int t = 0; t < _tensors.Count; t++)
                {
                    int root = Find(t);
                    if (!roots.TryGetValue(root, out int b))
                    {
                        b = groups.Count;
                        roots.Add(root, b);
                        groups.Add((0, int.MaxValue, int.MinValue));
                    }
                    bufferOf[t] = b;
                    (long size, int first, int last) = groups[b];
                    groups[b] = (Math.Max(size, _tensors[t].Size), Math.Min(first, First(t)), Math.Max(last, Last(t)));
                }

                long[] offsets = Place(groups);
                var buffers = new PlannedBuffer[groups.Count];
                long total = 0;
                for (int b = 0; b < groups.Count; b++)
                {
                    buffers[b] = new PlannedBuffer(offsets[b], groups[b].Size, groups[b].First, groups[b].Last);
                    total = Math.Max(total, buffers[b].End);
                }
                var tensors = new PlannedTensor[_tensors.Count];
                for (int t = 0; t < tensors.Length; t++)
                {
                    tensors[t] = new PlannedTensor(_tensors[t].Role, _tensors[t].Index, _tensors[t].Size, First(t), Last(t), bufferOf[t]);
                }
                return new ExecutionPlan(_mode, _steps.ToEquatableArray(), tensors.ToEquatableArray(), buffers.ToEquatableArray(),
                    _values.ToEquatableArray(), _gradients.ToEquatableArray(), _masks.ToEquatableArray(), _scratches.ToEquatableArray(), _labels, total,
                    fusions.ToEquatableArray(), Enumerable.Range(0, _layers).Where(i => _compact[i]).ToEquatableArray());
            }

            /// <summary>
            /// Greedy by size: the largest buffer first, each at the smallest aligned gap between the
            /// buffers already placed that are live at the same time, or after the last of them.
            /// </summary>
            private static long[] Place(List<(long Size, int First, int Last)> groups)
            {
                long[] offsets = new long[groups.Count];
                var placed = new List<int>();
                IEnumerable<int> order = Enumerable.Range(0, groups.Count)
                    .OrderByDescending(b => groups[b].Size).ThenBy(b => groups[b].First).ThenBy(b => b);
                foreach (int b in order)
                {
                    (long size, int first, int last) = groups[b];
                    var live = placed.Where(p => groups[p].First <= last && first <= groups[p].Last).OrderBy(p => offsets[p]).ThenBy(p => p).ToList();
                    long candidate = 0, best = -1, bestGap = long.MaxValue;
                    foreach (int p in live)
                    {
                        long gap = offsets[p] - candidate;
                        if (gap >= size && gap < bestGap)
                        {
                            best = candidate;
                            bestGap = gap;
                        }
                        candidate = Math.Max(candidate, Alignment.Align(offsets[p] + groups[p].Size));
                    }
                    offsets[b] = best >= 0 ? best : candidate;
                    placed.Add(b);
                }
                return offsets;
            }
        }
    }
}
