"""Randomized differential test of Cnn's shape inference against PyTorch: the oracle side.

Generates random network specs with a fixed seed (blocks with arguments, residuals with and
without shortcuts, concats with named and unnamed branches nested both ways, ceil-mode and padded
pooling, dilation, groups, depthwise convolutions, batch norm, adaptive pooling, dropout, softmax,
explicit InChannels/InFeatures), about a third of them deliberately broken. Each spec is built as
torch.nn modules layer by layer (a layer's input size is taken from the tensor that arrives, unless
InChannels/InFeatures is given, the way Cnn infers it) and run on a dummy batch. The script records,
per network, either every layer's output shape with the parameter and buffer counts, or the layer
where PyTorch fails (its attribute ordinal), the error, and the numbers a good message states
(expected against actual). Where Cnn deliberately rejects what PyTorch accepts (see
docs/diagnostics/README.md, "Deliberate differences from PyTorch") the record says so, with the
diagnostic Cnn must give instead.

TorchDifferentialTests.cs renders each spec as attribute source, runs the generator, and compares.

Regenerate (PyTorch 1.13, about a minute):
    /usr/bin/python3 tests/Cnn.Generators.Tests/Differential/torch_differential.py
which writes tests/Cnn.Generators.Tests/Differential/torch_expectations.json.gz.
"""

import gzip
import json
import math
import os
import random
import re
import sys

import torch
import torch.nn as nn

SEED = 20261202
NETWORKS = int(os.environ.get("NETWORKS", "2400"))
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_expectations.json.gz")
BATCH = 2


class Rejected(Exception):
    """PyTorch failed at the layer with attribute ordinal `at` (or Cnn deliberately rejects it there)."""

    def __init__(self, at, error, facts, deliberate=None):
        super().__init__(error)
        self.at = at
        self.error = error
        self.facts = facts
        self.deliberate = deliberate


class Interpreter:
    """Builds and runs a spec's layers one at a time, recording what Cnn's LayerInfos hold."""

    def __init__(self, spec):
        self.blocks = spec.get("blocks", {})
        self.records = []
        self.modules = []

    # --- sizes -----------------------------------------------------------------------------
    @staticmethod
    def size(value, env):
        if isinstance(value, int):
            return value
        text = value.strip()
        m = re.fullmatch(r"(\w+)\s*\*\s*(\d+)", text)
        if m:
            return env[m.group(1)] * int(m.group(2))
        return env[text]

    def run(self, layers, x, env, anchor):
        for layer in layers:
            x = self.layer(layer, x, env, anchor)
        return x

    def record(self, kind, y):
        self.records.append([kind] + list(y.shape[1:]))

    def module(self, m):
        self.modules.append(m)
        return m.eval()

    def layer(self, layer, x, env, anchor):
        at = anchor if anchor is not None else layer.get("id", -1)
        k = layer["k"]
        try:
            if k == "Use":
                block = self.blocks[layer["block"]]
                values = {}
                for i, p in enumerate(block["params"]):
                    name, _, default = p.partition("=")
                    name = name.strip()
                    values[name] = self.size(layer["args"][i], env) if i < len(layer["args"]) else int(default)
                return self.run(block["layers"], x, values, at)
            if k == "Residual":
                return self.residual(layer, x, env, anchor, at)
            if k == "Concat":
                return self.concat(layer, x, env, anchor, at)
            y = self.leaf(layer, x, env, at)
        except Rejected:
            raise
        except (RuntimeError, ValueError) as e:
            raise Rejected(at, str(e).split("\n")[0][:300], self.facts(layer, x, env, str(e)))
        self.record(k, y)
        return y

    def residual(self, layer, x, env, anchor, at):
        y = self.run(layer["main"], x, env, anchor)
        shortcut = layer.get("shortcut")
        s = x
        if shortcut is not None and not (shortcut.get("only") and tuple(y.shape) == tuple(x.shape)):
            s = self.run(shortcut["layers"], x, env, anchor)
        try:
            out = y + s
        except RuntimeError as e:
            raise Rejected(at, str(e).split("\n")[0][:300], list(y.shape[1:]) + list(s.shape[1:]))
        if tuple(y.shape) != tuple(s.shape):
            # PyTorch broadcasts (N, 1, H, W) + (N, C, H, W); Cnn's residual sum does not.
            raise Rejected(at, "broadcast " + str(tuple(out.shape)), list(y.shape[1:]) + list(s.shape[1:]), "CNN0022")
        self.record("Residual", out)
        return out

    def concat(self, layer, x, env, anchor, at):
        outs = [self.run(b["layers"], x, env, anchor) for b in layer["branches"]]
        try:
            out = torch.cat(outs, dim=1)
        except RuntimeError as e:
            first = outs[0]
            bad = next((o for o in outs if o.dim() != first.dim() or tuple(o.shape[2:]) != tuple(first.shape[2:])), first)
            facts = [] if bad.dim() != first.dim() else list(bad.shape[2:]) + list(first.shape[2:])
            raise Rejected(at, str(e).split("\n")[0][:300], facts)
        self.record("Concat", out)
        return out

    def leaf(self, layer, x, env, at):
        k, a = layer["k"], layer.get("a", {})
        if k == "Conv2d":
            out = self.size(a["out"], env)
            kernel = self.size(a["k"], env)
            stride = self.size(a.get("stride", 1), env)
            dilation = self.size(a.get("dilation", 1), env)
            groups = self.size(a.get("groups", 1), env)
            inc = self.size(a.get("in", 0), env) or x.shape[1]
            mode = a.get("mode")
            padding = mode.lower() if mode else self.size(a.get("pad", 0), env)
            if mode == "Same" and stride == 1 and (dilation * (kernel - 1)) % 2 == 1:
                raise Rejected(at, "PyTorch pads 'same' asymmetrically for an even effective kernel", [dilation * (kernel - 1) + 1], "CNN0013")
            m = self.module(nn.Conv2d(inc, out, kernel, stride=stride, padding=padding, dilation=dilation, groups=groups, bias=a.get("bias", True)))
            return m(x)
        if k in ("MaxPool2d", "AvgPool2d"):
            kernel = self.size(a["k"], env)
            stride = self.size(a.get("stride", 0), env) or None
            pad = self.size(a.get("pad", 0), env)
            if k == "MaxPool2d":
                return self.module(nn.MaxPool2d(kernel, stride, pad, ceil_mode=a.get("ceil", False)))(x)
            return self.module(nn.AvgPool2d(kernel, stride, pad))(x)
        if k == "AdaptiveAvgPool2d":
            return self.module(nn.AdaptiveAvgPool2d(self.size(a["out"], env)))(x)
        if k in ("BatchNorm2d", "BatchNorm1d"):
            cls = nn.BatchNorm2d if k == "BatchNorm2d" else nn.BatchNorm1d
            return self.module(cls(x.shape[1]))(x)
        if k == "Linear":
            inf = self.size(a.get("in", 0), env) or math.prod(x.shape[1:])
            y = self.module(nn.Linear(inf, self.size(a["out"], env), bias=a.get("bias", True)))(x)
            if x.dim() != 2:
                raise Rejected(at, "PyTorch applies Linear to the last dimension of " + str(tuple(x.shape)), list(x.shape[1:]), "CNN0009")
            return y
        if k == "Flatten":
            return nn.Flatten()(x)
        if k == "Dropout":
            p = a["p"]
            m = nn.Dropout(p)
            if p >= 1:
                raise Rejected(at, "PyTorch accepts Dropout(1.0), which zeroes everything", [1], "CNN0015")
            return m.eval()(x)
        if k in ("Softmax", "LogSoftmax"):
            y = (nn.Softmax if k == "Softmax" else nn.LogSoftmax)(dim=1)(x)
            if x.dim() != 2:
                raise Rejected(at, "PyTorch takes the softmax over dim 1 of " + str(tuple(x.shape)), list(x.shape[1:]), "CNN0016")
            return y
        activations = {"ReLU": nn.ReLU(), "Tanh": nn.Tanh(), "Sigmoid": nn.Sigmoid(), "SiLU": nn.SiLU(), "GELU": nn.GELU(),
                       "LeakyReLU": nn.LeakyReLU(0.2)}
        return activations[k](x)

    def facts(self, layer, x, env, error):
        """The numbers a message that states expected against actual mentions, for this failure
        (or, for a layer with two faults, a list of such lists: either will do)."""
        k, a = layer["k"], layer.get("a", {})
        shape = list(x.shape[1:])
        if x.dim() == 2 and k in ("Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm2d"):
            return shape
        if k == "BatchNorm1d":
            return shape
        if k == "Conv2d":
            groups = self.size(a.get("groups", 1), env)
            inc = self.size(a.get("in", 0), env)
            if "divisible by groups" in error:
                c = inc or shape[0]
                facts = [groups, c] if c % groups else [groups, self.size(a["out"], env)]
                # A layer with two faults may be reported for either.
                return [facts, [inc, shape[0]]] if inc and inc != shape[0] else facts
            if "strided" in error:
                return [self.size(a.get("stride", 1), env)]
            if inc and inc != shape[0]:
                return [inc, shape[0]]
            m = re.search(r"padded input size per channel: \((\d+) x (\d+)\). Kernel size: \((\d+) x (\d+)\)", error)
            if m:
                return [int(m.group(3)), int(m.group(1)), int(m.group(2))]
            return []
        if k in ("MaxPool2d", "AvgPool2d"):
            kernel, pad = self.size(a["k"], env), self.size(a.get("pad", 0), env)
            if "half" in error:
                return [pad, kernel]
            return [kernel] + shape[1:]
        if k == "Linear":
            if x.dim() != 2:
                return shape
            return [self.size(a["in"], env), shape[0]] if a.get("in") else []
        return []


def evaluate(spec):
    """The record the C# test compares with: accepted shapes and counts, or where and why it fails."""
    torch.manual_seed(0)
    it = Interpreter(spec)
    x = torch.zeros([BATCH] + spec["input"])
    try:
        with torch.no_grad():
            it.run(spec["layers"], x, {}, None)
    except Rejected as r:
        result = {"ok": False, "at": r.at, "error": r.error, "facts": r.facts}
        if r.deliberate:
            result["deliberate"] = r.deliberate
        return result
    params = sum(p.numel() for m in it.modules for p in m.parameters())
    buffers = sum(b.numel() for m in it.modules for b in m.buffers())
    return {"ok": True, "layers": it.records, "params": params, "buffers": buffers}


# --- random specs ------------------------------------------------------------------------------

class Generator:
    def __init__(self, rng):
        self.rng = rng

    def pick(self, *options):
        return self.rng.choice(options)

    def chance(self, p):
        return self.rng.random() < p

    def conv(self, name, out, image, break_it=False):
        r = self.rng
        a = {"out": out, "k": self.pick(1, 1, 3, 3, 3, 5, 2, 4)}
        style = r.random()
        if style < 0.3:
            a["pad"] = self.pick(0, 1, 2, 2, 3, 4)
        elif style < 0.45:
            a["mode"] = "Same"
            if a["k"] % 2 == 0 and not break_it:
                if self.chance(0.5):
                    a["k"] += 1
                else:
                    a["dilation"] = 2  # an even kernel, dilated to an odd effective one
        elif style < 0.5:
            a["mode"] = "Valid"
        elif style < 0.8:
            a["pad"] = a["k"] // 2 if isinstance(a["k"], int) else 1
        if "mode" not in a or a["mode"] != "Same":
            if self.chance(0.25):
                a["stride"] = self.pick(2, 2, 3)
        if "dilation" not in a and self.chance(0.15) and isinstance(a["k"], int) and a["k"] <= 3:
            a["dilation"] = self.pick(2, 3)
        if len(image) == 3 and isinstance(out, int):
            c = image[0]
            if self.chance(0.2):
                g = self.pick(2, 3, 4)
                if c % g == 0 and out % g == 0:
                    a["groups"] = g
            elif self.chance(0.1):
                a["groups"] = c
                a["out"] = c * self.pick(1, 2)  # depthwise
            if self.chance(0.2):
                a["in"] = c
        if self.chance(0.2):
            a["bias"] = False
        return {"k": "Conv2d", "name": name, "a": a}

    def pool(self, image):
        kind = self.pick("MaxPool2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d")
        if kind == "AdaptiveAvgPool2d":
            return {"k": kind, "a": {"out": self.pick(1, 1, 2, 3, 4)}}
        k = self.pick(1, 2, 2, 3, 3, 4, 5)
        a = {"k": k}
        if self.chance(0.5):
            a["stride"] = self.pick(1, 2, 3)
        if self.chance(0.35):
            a["pad"] = self.pick(0, 1, k // 2)
        if kind == "MaxPool2d" and self.chance(0.4):
            a["ceil"] = True
        return {"k": kind, "a": a}

    def activation(self):
        return {"k": self.pick("ReLU", "ReLU", "Tanh", "Sigmoid", "LeakyReLU", "SiLU", "GELU")}


def shape_of(spec, layers_prefix):
    """The shape after a prefix of the network, or None when PyTorch rejects it (a generation aid only)."""
    trial = dict(spec, layers=layers_prefix)
    it = Interpreter(trial)
    try:
        with torch.no_grad():
            y = it.run(layers_prefix, torch.zeros([BATCH] + spec["input"]), {}, None)
    except Rejected:
        return None
    return list(y.shape[1:])


BLOCK_TEMPLATES = ["basic", "plain_residual", "inception", "nested_concat_in_residual", "residual_in_concat", "bottleneck_expr", "stage"]


def make_block(g, template, index, used):
    """A block definition: its parameters and layers, one of a few families with random details.
    The blocks it uses in turn go into `used`."""
    name = f"B{index}"
    if template == "stage":
        inner, params, layers = make_block(g, "basic", f"{index}i", used)
        used[inner] = {"params": params, "layers": layers}
        return name, ["planes", "stride = 1"], [
            {"k": "Use", "block": inner, "name": "0", "args": ["planes", "stride"]},
            {"k": "Use", "block": inner, "name": "1", "args": ["planes"]}]
    if template == "basic":
        layers = [{"k": "Residual", "main": [
            {"k": "Conv2d", "name": "conv1", "a": {"out": "planes", "k": 3, "stride": "stride", "pad": 1, "bias": False}},
            {"k": "BatchNorm2d", "name": "bn1"}, {"k": "ReLU"},
            {"k": "Conv2d", "name": "conv2", "a": {"out": "planes", "k": 3, "pad": g.pick(1, 1, 1, 0), "bias": False}},
            {"k": "BatchNorm2d", "name": "bn2"}],
            "shortcut": {"name": "downsample", "only": g.chance(0.7), "layers": [
                {"k": "Conv2d", "name": "0", "a": {"out": "planes", "k": 1, "stride": "stride", "bias": False}},
                {"k": "BatchNorm2d", "name": "1"}]}}, {"k": "ReLU"}]
        return name, ["planes", "stride = 1"], layers
    if template == "plain_residual":
        return name, ["planes"], [{"k": "Residual", "name": "res", "main": [
            {"k": "Conv2d", "name": "conv", "a": {"out": "planes", "k": g.pick(1, 3), "pad": g.pick(0, 1), "groups": g.pick(1, 1, 2)}},
            {"k": "Dropout", "a": {"p": 0.1}} if g.chance(0.5) else {"k": "ReLU"}]}]
    if template == "inception":
        named = g.chance(0.5)
        branches = [
            {"name": "branch1" if named else None, "layers": [{"k": "Conv2d", "name": "b1conv" if not named else "conv", "a": {"out": "a", "k": 1}}]},
            {"name": "branch2" if named else None, "layers": [{"k": "Conv2d", "name": "b2conv" if not named else "conv", "a": {"out": "b", "k": 3, "pad": g.pick(1, 1, 1, 0)}}, {"k": "ReLU"}]},
            {"name": "branch3" if named else None, "layers": [{"k": "MaxPool2d", "a": {"k": 3, "stride": 1, "pad": 1}},
                                                               {"k": "Conv2d", "name": "b3conv" if not named else "conv", "a": {"out": "a", "k": 1}}]},
        ]
        return name, ["a", "b"], [{"k": "Concat", "branches": branches[: g.pick(2, 3)]}]
    if template == "nested_concat_in_residual":
        return name, ["half"], [{"k": "Residual", "main": [{"k": "Concat", "name": "mix", "branches": [
            {"name": "left", "layers": [{"k": "Conv2d", "name": "conv", "a": {"out": "half", "k": 1}}]},
            {"name": None, "layers": [{"k": "Conv2d", "name": "c3", "a": {"out": "half", "k": 3, "pad": g.pick(1, 1, 0), "dilation": 1}}]}]}],
            "shortcut": {"name": "proj", "only": False, "layers": [{"k": "Conv2d", "name": "0", "a": {"out": "half * 2", "k": 1}}]}}]
    if template == "residual_in_concat":
        return name, ["c"], [{"k": "Concat", "branches": [
            {"name": "id", "layers": [{"k": "Residual", "main": [{"k": "Conv2d", "name": "conv", "a": {"out": "c", "k": 3, "pad": 1, "groups": "c"}}, {"k": "ReLU"}]}]},
            {"name": None, "layers": [{"k": "AvgPool2d", "a": {"k": 3, "stride": 1, "pad": 1}}]}]}]
    # bottleneck_expr: size expressions in arguments
    return name, ["width", "stride = 1"], [{"k": "Residual", "main": [
        {"k": "Conv2d", "name": "conv1", "a": {"out": "width", "k": 1, "bias": False}},
        {"k": "BatchNorm2d", "name": "bn1"}, {"k": "ReLU"},
        {"k": "Conv2d", "name": "conv2", "a": {"out": "width", "k": 3, "stride": "stride", "pad": 1, "bias": False}},
        {"k": "BatchNorm2d", "name": "bn2"},
        {"k": "Conv2d", "name": "conv3", "a": {"out": "width * 2", "k": 1, "bias": False}}],
        "shortcut": {"name": "downsample", "only": True, "layers": [{"k": "Conv2d", "name": "0", "a": {"out": "width * 2", "k": 1, "stride": "stride"}}]}}]


BREAKS = ["in_channels", "too_small", "groups", "no_flatten", "residual", "concat", "in_features", "pool_pad",
          "bn_kind", "conv_after_flatten", "same_stride", "pool_too_small", "block_args",
          "deliberate_softmax", "deliberate_dropout", "deliberate_same_even"]


def generate(rng, index):
    g = Generator(rng)
    image = g.chance(0.9)
    if image:
        c = g.pick(1, 2, 3, 4, 6, 8)
        h = g.pick(1, 2, 3, 4, 6, 7, 8, 9, 12, 16, 17, 24, 28, 32) if g.chance(0.9) else g.pick(1, 2, 3)
        w = h if g.chance(0.7) else g.pick(1, 3, 5, 8, 11, 16, 20)
        spec = {"input": [c, h, w], "layers": [], "blocks": {}}
    else:
        spec = {"input": [g.pick(4, 10, 16, 33)], "layers": [], "blocks": {}}
    broken = g.chance(0.36)
    length = g.pick(2, 3, 4, 5, 6, 8)
    names = iter(range(1, 1000))

    def fits(layer):
        shape = shape_of(spec, spec["layers"] + [layer])
        return shape

    def current():
        return shape_of(spec, spec["layers"])

    block_count = 0
    for step in range(length):
        shape = current()
        if shape is None:
            break
        for attempt in range(8):
            r = rng.random()
            if len(shape) == 1:
                choice = g.pick("linear", "linear", "act", "dropout", "bn1d", "concat_flat", "residual_flat")
            elif r < 0.35:
                choice = "conv"
            elif r < 0.5:
                choice = "pool"
            elif r < 0.6:
                choice = "act"
            elif r < 0.68:
                choice = "bn2d"
            elif r < 0.85:
                choice = "block"
            elif r < 0.92:
                choice = "residual"
            else:
                choice = "concat"
            n = next(names)
            if choice == "conv":
                layer = g.conv(f"conv{n}", g.pick(2, 4, 6, 8, 12, 16), shape)
            elif choice == "pool":
                layer = g.pool(shape)
            elif choice == "act":
                layer = g.activation()
            elif choice == "dropout":
                layer = {"k": "Dropout", "a": {"p": g.pick(0.0, 0.1, 0.5)}}
            elif choice == "bn2d":
                layer = {"k": "BatchNorm2d", "name": f"bn{n}"}
            elif choice == "bn1d":
                layer = {"k": "BatchNorm1d", "name": f"bn{n}"}
            elif choice == "linear":
                layer = {"k": "Linear", "name": f"fc{n}", "a": {"out": g.pick(3, 8, 10, 16)}}
                if g.chance(0.3):
                    layer["a"]["in"] = shape[0]
                if g.chance(0.15):
                    layer["a"]["bias"] = False
            elif choice == "residual":
                main = [g.conv(f"rc{n}", shape[0], shape), {"k": "BatchNorm2d", "name": f"rbn{n}"}]
                main[0]["a"].pop("stride", None)
                main[0]["a"]["pad"] = main[0]["a"]["k"] // 2
                main[0]["a"].pop("mode", None)
                main[0]["a"].pop("dilation", None)
                if main[0]["a"]["k"] % 2 == 0:
                    main[0]["a"]["k"] += 1
                    main[0]["a"]["pad"] = main[0]["a"]["k"] // 2
                if g.chance(0.25):
                    main.append({"k": "Residual", "main": [{"k": "Conv2d", "name": f"inner{n}", "a": {"out": shape[0], "k": 1}}, g.activation()]})
                elif g.chance(0.05):
                    main.append({"k": "Residual", "main": []})  # x + x
                layer = {"k": "Residual", "main": main}
                if g.chance(0.5):
                    layer["name"] = f"res{n}"
                if g.chance(0.4):
                    out = g.pick(4, 8)
                    main[0]["a"]["out"] = out
                    main[0]["a"].pop("groups", None)
                    main[0]["a"].pop("in", None)
                    layer["shortcut"] = {"name": f"short{n}", "only": g.chance(0.5), "layers": [{"k": "Conv2d", "name": "0", "a": {"out": out, "k": 1}}]}
            elif choice == "residual_flat":
                f = shape[0] if g.chance(0.6) else g.pick(4, 6)
                main = [{"k": "Linear", "name": f"rl{n}", "a": {"out": f}}, g.activation()]
                layer = {"k": "Residual", "main": main}
                if f != shape[0] or g.chance(0.3):
                    layer["shortcut"] = {"name": f"proj{n}", "only": g.chance(0.5), "layers": [{"k": "Linear", "name": "0", "a": {"out": f}}]}
            elif choice in ("concat", "concat_flat"):
                branches = []
                for b in range(g.pick(2, 2, 3)):
                    if choice == "concat":
                        inner = [g.conv(f"k{n}_{b}", g.pick(2, 4), shape)]
                        inner[0]["a"].pop("stride", None)
                        inner[0]["a"].pop("dilation", None)
                        inner[0]["a"]["k"] = g.pick(1, 3, 5)
                        inner[0]["a"]["pad"] = inner[0]["a"]["k"] // 2
                        inner[0]["a"].pop("mode", None)
                        if g.chance(0.2):
                            inner.append({"k": "Concat", "branches": [
                                {"name": g.pick(None, "x"), "layers": [{"k": "Conv2d", "name": f"x{n}_{b}", "a": {"out": 2, "k": 1}}]},
                                {"name": g.pick(None, "y"), "layers": [{"k": "Conv2d", "name": f"y{n}_{b}", "a": {"out": 3, "k": 1}}]}]})
                        elif g.chance(0.3):
                            inner.append({"k": "Residual", "main": [{"k": "Conv2d", "name": f"r{n}_{b}", "a": {"out": inner[0]["a"]["out"], "k": 3, "pad": 1}}]})
                    else:
                        inner = [{"k": "Linear", "name": f"l{n}_{b}", "a": {"out": g.pick(2, 5)}}]
                    if g.chance(0.1):
                        inner = []  # an identity branch
                    branches.append({"name": f"br{b}" if g.chance(0.5) else None, "layers": inner})
                layer = {"k": "Concat", "branches": branches}
                if g.chance(0.5):
                    layer["name"] = f"cat{n}"
            elif choice == "block":
                template = g.pick(*BLOCK_TEMPLATES)
                used = {}
                bname, params, blayers = make_block(g, template, block_count, used)
                c = shape[0]
                if template in ("basic", "stage"):
                    args = [g.pick(c, c, 8, 16)] + ([g.pick(1, 2)] if g.chance(0.6) else [])
                elif template == "plain_residual":
                    args = [c]
                elif template == "inception":
                    args = [g.pick(2, 4), g.pick(2, 4, 6)]
                elif template == "nested_concat_in_residual":
                    args = [g.pick(2, 4)]
                elif template == "residual_in_concat":
                    args = [c]
                else:
                    args = [g.pick(2, 4), g.pick(1, 2)]
                use = {"k": "Use", "block": bname, "name": f"layer{n}", "args": args}
                used[bname] = {"params": params, "layers": blayers}
                if shape_of(dict(spec, blocks={**spec["blocks"], **used}), spec["layers"] + [use]) is None:
                    continue
                spec["blocks"].update(used)
                block_count += 1
                spec["layers"].append(use)
                break
            else:
                layer = g.activation()
            if fits(layer) is not None:
                spec["layers"].append(layer)
                break

    shape = current()
    if shape is not None and len(shape) == 3 and (not broken or g.chance(0.5)):
        # A classifier head.
        if g.chance(0.3):
            spec["layers"].append({"k": "AdaptiveAvgPool2d", "a": {"out": 1}})
        spec["layers"].append({"k": "Flatten"})
        if g.chance(0.3):
            spec["layers"].append({"k": "Dropout", "a": {"p": 0.5}})
        fc = {"k": "Linear", "name": "fc", "a": {"out": 10}}
        if g.chance(0.3):
            fc["a"]["in"] = shape_of(spec, spec["layers"])[0]
        spec["layers"].append(fc)
        if g.chance(0.3):
            spec["layers"].append({"k": g.pick("Softmax", "LogSoftmax")})

    if broken:
        breaker(g, spec)
    if not spec["layers"]:
        spec["layers"].append({"k": "Flatten"})
    number(spec)
    return spec


def breaker(g, spec):
    """Inserts one deliberate fault at a random place (PyTorch decides whether it really breaks)."""
    kind = g.pick(*BREAKS)
    layers = spec["layers"]
    pos = g.rng.randint(0, len(layers))
    prefix = layers[:pos]
    shape = shape_of(spec, prefix)
    if shape is None:
        return
    image = len(shape) == 3
    c = shape[0]
    bad = None
    if kind == "in_channels" and image:
        bad = g.conv("badin", 4, shape)
        bad["a"]["in"] = c + g.pick(1, 2, 3)
    elif kind == "too_small" and image:
        bad = {"k": "Conv2d", "name": "big", "a": {"out": 4, "k": max(shape[1], shape[2]) + g.pick(1, 2), "pad": g.pick(0, 1)}}
        if g.chance(0.3):
            bad["a"] = {"out": 4, "k": 3, "dilation": max(shape[1], shape[2])}
    elif kind == "groups" and image:
        gr = g.pick(2, 3, 4, 5)
        bad = {"k": "Conv2d", "name": "grouped", "a": {"out": g.pick(4, 6, 8, 9), "k": 1, "groups": gr}}
    elif kind == "no_flatten" and image:
        bad = {"k": "Linear", "name": "head", "a": {"out": 10}}
        if g.chance(0.3):
            bad["a"]["in"] = shape[2]  # PyTorch then accepts: a deliberate difference
    elif kind == "residual" and image:
        out = c + g.pick(1, 2)
        bad = {"k": "Residual", "name": "badres", "main": [{"k": "Conv2d", "name": "conv", "a": {"out": out, "k": 3, "pad": g.pick(0, 1)}}]}
        if g.chance(0.4):
            bad["shortcut"] = {"name": "down", "only": False, "layers": [{"k": "Conv2d", "name": "0", "a": {"out": out, "k": 1, "stride": 2}}]}
        if g.chance(0.15):
            bad["main"][0]["a"]["out"] = 1  # broadcasts in PyTorch
            bad["main"][0]["a"]["pad"] = 1
    elif kind == "concat" and image:
        bad = {"k": "Concat", "name": "badcat", "branches": [
            {"name": g.pick(None, "a"), "layers": [{"k": "Conv2d", "name": "c1", "a": {"out": 2, "k": 1}}]},
            {"name": None, "layers": [{"k": "Conv2d", "name": "c3", "a": {"out": 2, "k": 3}}]}]}
        if g.chance(0.3):
            bad["branches"][1]["layers"] = [{"k": "Flatten"}]
    elif kind == "in_features":
        if image:
            bad = {"k": "Flatten"}
            layers.insert(pos, bad)
            pos += 1
            bad = {"k": "Linear", "name": "fc_bad", "a": {"out": 5, "in": math.prod(shape) + g.pick(-1, 1, 7)}}
        else:
            bad = {"k": "Linear", "name": "fc_bad", "a": {"out": 5, "in": c + 1}}
    elif kind == "pool_pad" and image:
        k = g.pick(2, 3)
        bad = {"k": g.pick("MaxPool2d", "AvgPool2d"), "a": {"k": k, "pad": k // 2 + 1}}
    elif kind == "bn_kind":
        bad = {"k": "BatchNorm1d" if image else "BatchNorm2d", "name": "badbn"}
    elif kind == "conv_after_flatten":
        if image:
            layers.insert(pos, {"k": "Flatten"})
            pos += 1
        bad = {"k": g.pick("Conv2d", "MaxPool2d", "AdaptiveAvgPool2d"), "name": "late", "a": {"out": 4, "k": 2}}
        if bad["k"] != "Conv2d":
            bad.pop("name")
    elif kind == "same_stride" and image:
        bad = {"k": "Conv2d", "name": "samestride", "a": {"out": 4, "k": 3, "mode": "Same", "stride": 2}}
    elif kind == "pool_too_small" and image:
        k = min(shape[1], shape[2]) + 1
        bad = {"k": "MaxPool2d", "a": {"k": k, "stride": 1, "ceil": g.chance(0.5)}}
    elif kind == "block_args" and image:
        name = f"Bbad{len(spec['blocks'])}"
        spec["blocks"][name] = {"params": ["planes", "stride = 1"], "layers": [
            {"k": "Conv2d", "name": "conv1", "a": {"out": "planes", "k": 3, "stride": "stride", "pad": 1}},
            {"k": "Conv2d", "name": "conv2", "a": {"out": "planes", "k": 3, "pad": 1, "in": "planes * 2"}}]}
        bad = {"k": "Use", "block": name, "name": "broken", "args": [g.pick(4, 8)]}
    elif kind == "deliberate_softmax" and image:
        bad = {"k": g.pick("Softmax", "LogSoftmax")}
    elif kind == "deliberate_dropout":
        bad = {"k": "Dropout", "a": {"p": 1.0}}
    elif kind == "deliberate_same_even" and image:
        bad = {"k": "Conv2d", "name": "evensame", "a": {"out": 4, "k": g.pick(2, 4), "mode": "Same"}}
    if bad is None:
        bad = {"k": "Linear", "name": "fc_bad", "a": {"out": 5, "in": c + 1}} if not image else {"k": "BatchNorm1d", "name": "badbn"}
    layers.insert(pos, bad)


def number(spec):
    """Gives every layer node of the network an attribute ordinal, in the order the C# renderer writes them."""
    counter = [0]

    def walk(layers):
        for layer in layers:
            layer["id"] = counter[0]
            counter[0] += 1
            if layer["k"] == "Residual":
                walk(layer["main"])
                if layer.get("shortcut") is not None:
                    counter[0] += 1  # [Shortcut]
                    walk(layer["shortcut"]["layers"])
                counter[0] += 1  # [EndResidual]
            elif layer["k"] == "Concat":
                for b in layer["branches"]:
                    counter[0] += 1  # [Branch]
                    walk(b["layers"])
                counter[0] += 1  # [EndConcat]

    walk(spec["layers"])

    def strip(layers):
        # Block layers are reported at the network's Use attribute, so they carry no ordinal.
        for layer in layers:
            layer.pop("id", None)
            for child in layer.get("main", []) + (layer.get("shortcut") or {}).get("layers", []):
                strip([child])
            for b in layer.get("branches", []):
                strip(b["layers"])

    for block in spec["blocks"].values():
        strip(block["layers"])


def coverage(networks):
    """How often each feature occurs, so that a change to the generator cannot quietly drop one."""
    counts = {}

    def add(key):
        counts[key] = counts.get(key, 0) + 1

    def walk(layers):
        for layer in layers:
            k, a = layer["k"], layer.get("a", {})
            add(k)
            if k == "Conv2d":
                for key in ("stride", "dilation", "groups", "in", "mode"):
                    if key in a:
                        add(f"Conv2d.{key}")
                if isinstance(a.get("groups"), int) and a.get("groups") > 1 and a.get("groups") == a.get("in"):
                    add("Conv2d.depthwise")
            if k in ("MaxPool2d", "AvgPool2d") and a.get("pad"):
                add(f"{k}.pad")
            if a.get("ceil"):
                add("MaxPool2d.ceil")
            if k == "Linear" and "in" in a:
                add("Linear.in")
            if k == "Residual":
                add("Residual.shortcut" if layer.get("shortcut") else "Residual.identity")
                walk(layer["main"])
                walk((layer.get("shortcut") or {}).get("layers", []))
            if k == "Concat":
                for b in layer["branches"]:
                    add("Branch.named" if b["name"] else "Branch.unnamed")
                    walk(b["layers"])

    for n in networks:
        walk(n["layers"])
        for block in n["blocks"].values():
            walk(block["layers"])
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def main():
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    networks = []
    for i in range(NETWORKS):
        spec = generate(rng, i)
        spec["expect"] = evaluate(spec)
        networks.append(spec)
    accepted = sum(1 for n in networks if n["expect"]["ok"])
    deliberate = sum(1 for n in networks if n["expect"].get("deliberate"))
    text = json.dumps({"torch": torch.__version__, "seed": SEED, "networks": networks}, separators=(",", ":"), sort_keys=True)
    with gzip.GzipFile(OUTPUT, "wb", mtime=0) as f:
        f.write(text.encode("utf-8"))
    print(f"{len(networks)} networks: {accepted} accepted, {len(networks) - accepted} rejected "
          f"({deliberate} of them deliberate differences); {os.path.getsize(OUTPUT)} bytes in {OUTPUT}", file=sys.stderr)
    print("coverage: " + coverage(networks), file=sys.stderr)
    print("rejections without stated numbers: " + str(sum(1 for n in networks if not n["expect"]["ok"] and not n["expect"]["facts"])), file=sys.stderr)


if __name__ == "__main__":
    main()
