"""Hostile model files (issue 14): what a model file holds can neither read files outside its
folder nor kill the JVM. External data is checked in every tensor — initializers, `Constant`
values, subgraphs at any depth — against the model's real folder (symbolic links resolved), a
model with external data never loads from bytes (ONNX Runtime would look in the JVM's working
directory), and types or subgraphs nested thousands deep are a condition, not a
`StackOverflowError`. Model names and their SQL functions are one case-insensitive namespace."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from pyspark.errors import AnalysisException

import spark_onnx
from conftest import DIGITS, ROOT
from spark_onnx import errors

# What the file outside the model's folder holds: it must never come back, in any form.
SECRET = b"SECRET-3f9c1e-do-not-leak!!!"  # 28 bytes: seven float32s
SECRET_FLOATS = np.frombuffer(SECRET, dtype=np.float32)
GOOD = "array_repeat(CAST(1.0 AS FLOAT), 64)"


# --- models -----------------------------------------------------------------------------------


def external_tensor(name: str, location: str) -> TensorProto:
    """A float[7] tensor whose data is in the file `location` (relative to the model)."""
    tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=[7])
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "28")):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def model_of(nodes, initializers=()) -> onnx.ModelProto:
    """x float[N,7] -> y float[N,7] = x + k, where `nodes` compute k (float[7])."""
    graph = helper.make_graph(
        [*nodes, helper.make_node("Add", ["x", "k"], ["y"])],
        "crafted",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 7])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 7])],
        list(initializers),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    return model


def constant_model(location: str) -> onnx.ModelProto:
    """k is a top-level Constant whose value lives in external data."""
    return model_of([helper.make_node("Constant", [], ["k"], value=external_tensor("c", location))])


def _branch(name: str, nodes, initializers=()) -> onnx.GraphProto:
    out = helper.make_tensor_value_info(f"{name}_out", TensorProto.FLOAT, [7])
    return helper.make_graph(nodes, name, [], [out], list(initializers))


def _else() -> onnx.GraphProto:
    zeros = helper.make_tensor("zeros", TensorProto.FLOAT, [7], [0.0] * 7)
    return _branch("else", [helper.make_node("Constant", [], ["else_out"], value=zeros)])


def if_model(location: str, *, in_constant: bool = True) -> onnx.ModelProto:
    """k comes from an If whose taken branch reads external data (a Constant, or an
    initializer of the branch)."""
    if in_constant:
        taken = _branch(
            "then",
            [helper.make_node("Constant", [], ["then_out"], value=external_tensor("t", location))],
        )
    else:
        taken = _branch(
            "then",
            [helper.make_node("Identity", ["t"], ["then_out"])],
            [external_tensor("t", location)],
        )
    other = _else()
    condition = helper.make_tensor("cond_value", TensorProto.BOOL, [], [True])
    return model_of(
        [
            helper.make_node("Constant", [], ["cond"], value=condition),
            helper.make_node("If", ["cond"], ["k"], then_branch=taken, else_branch=other),
        ]
    )


def loop_model(location: str) -> onnx.ModelProto:
    """k comes from a Loop (one trip) whose body, inside an If branch, holds a Constant in
    external data: two subgraphs deep."""
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
            helper.make_node("Constant", [], ["scan"], value=external_tensor("l", location)),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("scan", TensorProto.FLOAT, [7]),
        ],
    )
    trips = helper.make_tensor("trips_value", TensorProto.INT64, [], [1])
    yes = helper.make_tensor("yes_value", TensorProto.BOOL, [], [True])
    taken = _branch(
        "then",
        [
            helper.make_node("Constant", [], ["trips"], value=trips),
            helper.make_node("Constant", [], ["go"], value=yes),
            helper.make_node("Loop", ["trips", "go"], ["stacked"], body=body),
            helper.make_node("Squeeze", ["stacked"], ["then_out"]),
        ],
    )
    other = _else()
    return model_of(
        [
            helper.make_node("Constant", [], ["cond"], value=yes),
            helper.make_node("If", ["cond"], ["k"], then_branch=taken, else_branch=other),
        ]
    )


@pytest.fixture
def folders(tmp_path):
    """(the model's folder, a folder beside it holding secret.bin)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.bin").write_bytes(SECRET)
    model = tmp_path / "model"
    model.mkdir()
    return model, outside


def save(model: onnx.ModelProto, folder: Path, name: str = "crafted.onnx") -> Path:
    path = folder / name
    path.write_bytes(model.SerializeToString())
    return path


def assert_no_secret(error: Exception) -> None:
    """Neither the file's bytes nor the floats they make appear in the error."""
    texts = [str(error), repr(getattr(error, "getMessageParameters", dict)())]
    floats = [f"{v:g}" for v in SECRET_FLOATS]
    for text in texts:
        assert SECRET.decode() not in text
        assert SECRET[:8].decode() not in text
        for value in floats:
            assert value not in text


def refused(spark, path_or_bytes, condition: str, name: str = "crafted") -> Exception:
    with pytest.raises(errors.SparkOnnxError) as caught:
        spark_onnx.register(spark, name, path_or_bytes)
    error = caught.value
    assert error.getCondition() == condition, str(error)
    assert_no_secret(error)
    assert name not in spark_onnx.registered(spark)
    # The JVM is alive and still answers.
    assert spark.sql(f"SELECT size(onnx_predict('digits', {GOOD}))").first()[0] == 10
    return error


# --- external data ----------------------------------------------------------------------------

OUTSIDE_CASES = {
    "Constant at the top": constant_model,
    "Constant in an If branch": if_model,
    "initializer of an If branch": lambda loc: if_model(loc, in_constant=False),
    "Constant in a Loop body in an If branch": loop_model,
}


@pytest.mark.parametrize("build", OUTSIDE_CASES.values(), ids=OUTSIDE_CASES.keys())
@pytest.mark.parametrize("location", ["../outside/secret.bin", "sub/../../outside/secret.bin"])
def test_a_relative_location_outside_the_folder_is_refused(spark, folders, build, location):
    model_folder, _ = folders
    error = refused(spark, save(build(location), model_folder), "ONNX_UNSAFE_EXTERNAL_DATA")
    assert error.getMessageParameters()["location"] == location
    assert error.getMessageParameters()["folder"] == str(model_folder.resolve())


@pytest.mark.parametrize("build", OUTSIDE_CASES.values(), ids=OUTSIDE_CASES.keys())
@pytest.mark.parametrize("target", ["secret", "/etc/hostname"])
def test_a_symlink_in_the_folder_that_leads_outside_is_refused(spark, folders, build, target):
    model_folder, outside = folders
    pointed = outside / "secret.bin" if target == "secret" else Path(target)
    if not pointed.exists():
        pytest.skip(f"{pointed} does not exist here")
    (model_folder / "weights.bin").symlink_to(pointed)
    error = refused(spark, save(build("weights.bin"), model_folder), "ONNX_UNSAFE_EXTERNAL_DATA")
    assert "symbolic link" in error.getMessageParameters()["reason"]
    assert error.getMessageParameters()["location"] == "weights.bin"


def test_a_linked_folder_and_a_dangling_link_are_refused(spark, folders):
    model_folder, outside = folders
    (model_folder / "data").symlink_to(outside)
    refused(spark, save(if_model("data/secret.bin"), model_folder), "ONNX_UNSAFE_EXTERNAL_DATA")
    # Whether an outside path exists is not told: a link to nothing is refused the same way.
    (model_folder / "nothing.bin").symlink_to(outside / "no-such-file")
    error = refused(spark, save(if_model("nothing.bin"), model_folder), "ONNX_UNSAFE_EXTERNAL_DATA")
    assert "symbolic link" in error.getMessageParameters()["reason"]


@pytest.mark.parametrize("location", ["/etc/hostname", "*/_ORT_MEM_ADDR_/*"])
def test_absolute_and_memory_address_locations_in_a_subgraph_are_refused(spark, folders, location):
    model_folder, _ = folders
    refused(spark, save(loop_model(location), model_folder), "ONNX_UNSAFE_EXTERNAL_DATA")


@pytest.mark.parametrize("build", OUTSIDE_CASES.values(), ids=OUTSIDE_CASES.keys())
def test_a_model_with_external_data_never_loads_from_bytes(spark, build):
    # From bytes, ONNX Runtime would resolve a subgraph's relative location against the JVM's
    # working directory (where the tests run, pyproject.toml is) and return the file's bytes as
    # a prediction.
    error = refused(spark, build("pyproject.toml").SerializeToString(), "ONNX_INVALID_MODEL")
    assert "registered from a file path" in error.getMessageParameters()["reason"]
    assert "[project]" not in str(error)


def test_a_location_that_exists_only_in_the_working_directory_is_missing(spark, folders):
    model_folder, _ = folders
    refused(spark, save(if_model("pyproject.toml"), model_folder), "ONNX_MODEL_FILE_NOT_FOUND")


def test_external_data_inside_the_folder_still_loads_in_a_subgraph(spark, folders):
    model_folder, _ = folders
    weights = np.arange(7, dtype=np.float32)
    (model_folder / "weights.bin").write_bytes(weights.tobytes())
    path = save(loop_model("weights.bin"), model_folder)
    # A link to the model file from elsewhere: its data is found beside the real file.
    linked = folders[1] / "linked.onnx"
    linked.symlink_to(path)
    for name, source in (("inside", path), ("inside_linked", linked)):
        spark_onnx.register(spark, name, source)
        try:
            row = spark.sql(
                f"SELECT onnx_predict('{name}', array_repeat(CAST(1.0 AS FLOAT), 7)) AS y"
            ).first()
            np.testing.assert_array_equal(np.array(row.y, dtype=np.float32), weights + 1)
        finally:
            spark_onnx.unregister(spark, name)


# --- crash-prone: each in its own JVM with a small stack and heap -----------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _field(number: int, body: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(body)) + body


def _nested(path: list[int], levels: int, payload: bytes) -> bytes:
    """`payload` wrapped in `levels` repetitions of the message fields `path`, in one pass."""
    fields = path * levels
    sizes = [0] * (len(fields) + 1)
    sizes[-1] = len(payload)
    for i in range(len(fields) - 1, -1, -1):
        inner = sizes[i + 1]
        sizes[i] = len(_varint(fields[i] << 3 | 2)) + len(_varint(inner)) + inner
    out = bytearray()
    for i, number in enumerate(fields):
        out += _varint(number << 3 | 2) + _varint(sizes[i + 1])
    return bytes(out + payload)


def deep_types_model(levels: int) -> bytes:
    """x and y of type seq(seq(...seq(tensor(float))...)), `levels` deep."""
    leaf = helper.make_tensor_type_proto(TensorProto.FLOAT, ["n"]).SerializeToString()
    deep = _nested([4, 1], levels, leaf)  # TypeProto.sequence_type -> Sequence.elem_type
    graph = (
        _field(1, helper.make_node("Identity", ["x"], ["y"]).SerializeToString())
        + _field(11, _field(1, b"x") + _field(2, deep))
        + _field(12, _field(1, b"y") + _field(2, deep))
    )
    head = model_of([]).SerializeToString()  # ir_version and opsets; its graph is replaced
    model = onnx.ModelProto()
    model.ParseFromString(head)
    model.ClearField("graph")
    return model.SerializeToString() + _field(7, graph)


def deep_subgraphs_model(levels: int) -> bytes:
    """If inside If inside If ..., `levels` deep: graph -> node -> attribute -> graph."""
    main = model_of([helper.make_node("Identity", ["x"], ["k"])])
    leaf = main.graph.SerializeToString()
    deep = _nested([1, 5, 6], levels, leaf)
    model = onnx.ModelProto()
    model.CopyFrom(main)
    model.ClearField("graph")
    return model.SerializeToString() + _field(7, leaf + deep)


# One child JVM (a small stack, so a recursive reader would overflow it) reads every deep model
# in turn and scores after each: one Spark start for the three cases, not three. 1 MB is the JVM's
# own default on x86-64 Linux: 100,000 or 50,000 levels read recursively overflow it many times
# over. Not 512 KB: ONNX Runtime's native session set-up, which runs on the calling thread, needs
# more than that on some CPUs and overflows it with a SIGSEGV that takes the JVM down.
CHILD = textwrap.dedent(
    """
    import sys
    import spark_onnx
    from spark_onnx import errors

    spark = spark_onnx.session(master="local[1]", conf={
        "spark.ui.enabled": "false",
        "spark.driver.memory": "512m",
        "spark.driver.extraJavaOptions": "-Xss1m",
    })
    spark_onnx.register(spark, "digits", sys.argv[1])
    for case, path in enumerate(sys.argv[2:]):
        try:
            spark_onnx.register(spark, f"deep{case}", path)
            print(case, "REGISTERED")
        except errors.SparkOnnxError as e:
            print(case, "CONDITION", e.getCondition())
            print(case, "REASON", e.getMessageParameters().get("reason", ""))
        size = spark.sql("SELECT size(onnx_predict('digits', array_repeat(1.0F, 64)))").first()[0]
        print(case, "ALIVE", size)
    spark.stop()
    """
)

DEEP_CASES = [
    (deep_types_model, 100_000),
    (deep_types_model, 3_000),
    (deep_subgraphs_model, 50_000),
]


@pytest.fixture(scope="module")
def deep_results(tmp_path_factory) -> tuple[dict[int, str], str]:
    folder = tmp_path_factory.mktemp("deep")
    paths = []
    for case, (build, levels) in enumerate(DEEP_CASES):
        paths.append(folder / f"deep{case}.onnx")
        paths[-1].write_bytes(build(levels))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "python"), str(ROOT / "tests"), env.get("PYTHONPATH", "")]
    )
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(DIGITS), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "StackOverflowError" not in done.stderr
    by_case: dict[int, str] = {}
    for line in done.stdout.splitlines():
        case, _, rest = line.partition(" ")
        if case.isdigit():
            by_case[int(case)] = by_case.get(int(case), "") + rest + "\n"
    return by_case, done.stdout


@pytest.mark.parametrize(
    "case",
    range(len(DEEP_CASES)),
    ids=["types 100000 deep", "types 3000 deep", "subgraphs 50000 deep"],
)
def test_deeply_nested_models_are_invalid_and_the_jvm_lives(deep_results, case):
    by_case, out = deep_results
    result = by_case.get(case, "")
    assert "CONDITION ONNX_INVALID_MODEL" in result, out
    assert "nested more than 100" in result
    assert "ALIVE 10" in result


# --- names ------------------------------------------------------------------------------------


def test_names_are_one_case_insensitive_namespace(spark, tmp_path):
    import model_factory

    other = model_factory.two_inputs(tmp_path)
    spark_onnx.register(spark, "FnM", DIGITS, as_function=True)
    try:
        with pytest.raises(errors.ModelAlreadyRegistered) as caught:
            spark_onnx.register(spark, "fnm", other, as_function=True)
        assert caught.value.getMessageParameters()["model"] == "FnM"
        assert [n for n in spark_onnx._jvm.registered(spark) if n.lower() == "fnm"] == ["FnM"]
        for call in (f"FnM({GOOD})", f"fnm({GOOD})", f"onnx_predict('FNM', {GOOD})"):
            assert spark.sql(f"SELECT size({call})").first()[0] == 10, call
        spark_onnx.register(spark, "fnm", other, as_function=True, replace=True)
        assert [i.name for i in spark_onnx.describe(spark, "FNM").inputs] == ["a", "b"]
    finally:
        assert spark_onnx.unregister(spark, "FNM")
    assert not [n for n in spark_onnx._jvm.registered(spark) if n.lower() == "fnm"]
    with pytest.raises(AnalysisException, match="UNRESOLVED_ROUTINE"):
        spark.sql("SELECT fnm(array(1.0F, 2.0F, 3.0F), array(1.0F, 2.0F, 3.0F))").collect()
    assert spark.sql(f"SELECT size(onnx_predict('digits', {GOOD}))").first()[0] == 10
