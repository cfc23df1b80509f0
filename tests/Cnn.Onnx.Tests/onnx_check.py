"""Checks an ONNX file with onnx.checker.check_model(full_check=True) (Debian's python3-onnx) and
prints what the C# tests assert on, as JSON: IR version, opsets, initializer names, metadata and the
input and output shapes (a symbolic dimension as its name). Exits 1 with the checker's message when
the model is invalid."""
import json
import sys

import onnx


def dims(value):
    return [d.dim_param if d.dim_param else d.dim_value for d in value.type.tensor_type.shape.dim]


def main(path):
    try:
        onnx.checker.check_model(path, full_check=True)
    except Exception as error:  # the checker's own exception types differ between onnx versions
        print(f"check_model failed: {type(error).__name__}: {error}")
        return 1
    model = onnx.load(path)
    print(json.dumps({
        "onnx": onnx.__version__,
        "ir_version": model.ir_version,
        "opsets": {o.domain: o.version for o in model.opset_import},
        "initializers": [t.name for t in model.graph.initializer],
        "metadata": {p.key: p.value for p in model.metadata_props},
        "inputs": {v.name: dims(v) for v in model.graph.input},
        "outputs": {v.name: dims(v) for v in model.graph.output},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
