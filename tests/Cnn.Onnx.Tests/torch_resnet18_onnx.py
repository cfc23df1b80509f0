"""Writes torchvision's ResNet-18 (seeded weights, random running statistics, eval mode) twice:
OUT/resnet18.safetensors, its state_dict, which the C# test loads into Cnn's ResNet18 and exports
itself; and OUT/resnet18.torch.onnx, exported by torch.onnx (opset 17, dynamic batch). The test runs
both ONNX files in ONNX Runtime on the same batch."""
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
from torch_parity import save_safetensors  # noqa: E402


def main(out):
    torch.manual_seed(17)
    model = torchvision.models.resnet18(num_classes=1000)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
    model.eval()
    save_safetensors(os.path.join(out, "resnet18.safetensors"), model.state_dict(), {"format": "pt"})
    torch.onnx.export(model, torch.randn(2, 3, 224, 224), os.path.join(out, "resnet18.torch.onnx"),
                      opset_version=17, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
