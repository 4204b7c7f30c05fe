"""The shipped `digits` model: an MLP trained on scikit-learn's 8x8 digits, exported to ONNX.

Input `pixels` is float[N,64] with raw pixel values 0..16 (the scaling is inside the graph);
output `probabilities` is float[N,10] (softmax). The train/test split is fixed so the demo, the
tests and the benchmark all score the same held-out rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HIDDEN = (256, 256)
OPSET = 17
# ONNX Runtime 1.29 reads IR versions up to 11; 9 keeps the file loadable by older runtimes too.
IR_VERSION = 9


def load_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, x_test, y_train, y_test) of sklearn's digits, pixels as float32 0..16: the split
    the wheel's `spark_onnx.samples.digits_split()` gives, so the demo needs no checkout."""
    from spark_onnx.samples import digits_split

    return digits_split()


def train():
    from sklearn.neural_network import MLPClassifier

    x_train, _, y_train, _ = load_split()
    mlp = MLPClassifier(hidden_layer_sizes=HIDDEN, max_iter=300, random_state=0)
    mlp.fit(x_train / 16.0, y_train)
    return mlp


def to_onnx(mlp) -> onnx.ModelProto:
    """The MLP as MatMul/Add/Relu layers with the 1/16 input scaling folded into the graph."""
    initializers = [numpy_helper.from_array(np.array(1.0 / 16.0, dtype=np.float32), "scale")]
    nodes = [helper.make_node("Mul", ["pixels", "scale"], ["h0"])]
    last = "h0"
    layers = list(zip(mlp.coefs_, mlp.intercepts_))
    for i, (weights, bias) in enumerate(layers, start=1):
        initializers += [
            numpy_helper.from_array(weights.astype(np.float32), f"W{i}"),
            numpy_helper.from_array(bias.astype(np.float32), f"b{i}"),
        ]
        nodes += [
            helper.make_node("MatMul", [last, f"W{i}"], [f"m{i}"]),
            helper.make_node("Add", [f"m{i}", f"b{i}"], [f"z{i}"]),
        ]
        last = f"z{i}"
        if i < len(layers):
            nodes.append(helper.make_node("Relu", [last], [f"h{i}"]))
            last = f"h{i}"
    nodes.append(helper.make_node("Softmax", [last], ["probabilities"], axis=-1))
    graph = helper.make_graph(
        nodes,
        "digits_mlp",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["batch", 64])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 10])],
        initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="spark-onnx/models/digits.py",
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def build(out_dir: Path) -> Path:
    """Trains, exports and checks parity with scikit-learn; returns the written path."""
    import onnxruntime as ort

    mlp = train()
    model = to_onnx(mlp)
    path = out_dir / "digits.onnx"
    onnx.save(model, path)
    _, x_test, _, _ = load_split()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (probabilities,) = session.run(None, {"pixels": x_test})
    expected = mlp.predict_proba(x_test / 16.0)
    error = float(np.max(np.abs(probabilities - expected)))
    if error > 1e-4:
        raise RuntimeError(f"digits.onnx differs from scikit-learn by {error:.2e}")
    print(f"wrote {path} ({path.stat().st_size} bytes); max |onnx - sklearn| = {error:.1e}")
    return path
