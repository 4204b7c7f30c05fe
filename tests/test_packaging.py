"""What a new user installs: the spark-onnx wheel (the jars and the sample model inside) and the
spark-onnx-zoo wheel, both built from a `git archive` of HEAD, i.e. exactly what a clean clone
holds; and a fresh venv with only those two wheels running the README's Python, `spark-onnx zoo`,
the README's spark-sql line and `spark-onnx demo` (README command 1's job).

The wheel's build runs `bin/sbt sparkOnnx/pythonJars` in the archive unless told where built
jars are (SPARK_ONNX_JARS_FROM). bin/test has just built this checkout's jars from the same
sources, so the test hands those over rather than compiling everything a second time (it checks
they are newer than every JVM source); SPARK_ONNX_TEST_SBT_IN_ARCHIVE=1 makes the archive build
its own jars instead. Dependencies (pyspark, onnxruntime, ...) come from the project's .venv:
the point is that the two wheels alone bring spark-onnx's code, jars and models."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from demo_checks import DEMO_ARGS, check_demo_output

import spark_onnx
import spark_onnx._jars as jars

ROOT = Path(__file__).resolve().parents[1]
ZOO_FILES = {"*.onnx", "*.json", "imagenet_labels.txt"}


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, check=False, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{command}:\n{(done.stdout + done.stderr)[-4000:]}"
    return done


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """HEAD as a clean clone has it: no ignored file (jars, build output) comes along."""
    folder = tmp_path_factory.mktemp("archive")
    tar = subprocess.run(
        ["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as unpacked:
        unpacked.extractall(folder, filter="data")
    assert not (folder / "python" / "spark_onnx" / "jars").exists()
    return folder


def built_jars_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SPARK_ONNX_JARS_FROM"}
    if os.environ.get("SPARK_ONNX_TEST_SBT_IN_ARCHIVE") == "1":
        return env
    built = [Path(j) for j in jars.bundled_jars()]
    sources = [ROOT / "build.sbt", ROOT / "pyproject.toml", *(ROOT / "jvm" / "src").rglob("*")]
    newest = max(p.stat().st_mtime for p in sources if p.is_file())
    assert min(j.stat().st_mtime for j in built) >= newest, (
        "the checkout's jars are older than its JVM sources: bin/sbt sparkOnnx/pythonJars"
    )
    return {**env, "SPARK_ONNX_JARS_FROM": str(built[0].parent)}


@pytest.fixture(scope="module")
def wheels(archive, tmp_path_factory) -> dict[str, Path]:
    """`python -m build` of the archive and of its models/zoo: sdist first, wheel from the sdist."""
    out = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out)]
    env = built_jars_env()
    # Both at once: each is one process compressing its archives (75 MB of jars, 50 MB of zoo).
    with ThreadPoolExecutor(2) as pool:
        main_build = pool.submit(run, [*build, str(archive)], env=env, timeout=1800)
        zoo_build = pool.submit(run, [*build, str(archive / "models" / "zoo")], timeout=600)
        main_build.result(), zoo_build.result()
    (main,) = out.glob("spark_onnx-*.whl")
    (zoo,) = out.glob("spark_onnx_zoo-*.whl")
    return {"main": main, "zoo": zoo}


def project_version(pyproject: Path) -> str:
    return re.search(r'^version = "([^"]+)"', pyproject.read_text(), re.MULTILINE).group(1)


def test_versions_agree():
    version = project_version(ROOT / "pyproject.toml")
    assert project_version(ROOT / "models" / "zoo" / "pyproject.toml") == version
    assert spark_onnx.__version__ == version
    assert f'__version__ = "{version}"' in (ROOT / "models" / "zoo" / "__init__.py").read_text()
    assert f'ThisBuild / version := "{version}"' in (ROOT / "build.sbt").read_text()


def test_wheel_ships_the_jars_and_the_sample_model(wheels):
    names = set(zipfile.ZipFile(wheels["main"]).namelist())
    shipped = {Path(n).name for n in names if n.startswith("spark_onnx/jars/")}
    assert shipped == {Path(j).name for j in jars.bundled_jars()}
    assert "spark_onnx/samples/digits.onnx" in names
    assert {"spark_onnx/functions.py", "spark_onnx/zoo.py", "spark_onnx/commands/jars.py"} <= names
    with zipfile.ZipFile(wheels["main"]) as wheel:
        sample = wheel.read("spark_onnx/samples/digits.onnx")
        ours = next(n for n in names if Path(n).name.startswith("spark-onnx_"))
        with zipfile.ZipFile(io.BytesIO(wheel.read(ours))) as jar:
            properties = jar.read("sparkonnx/build.properties").decode()
    assert sample == (ROOT / "models" / "digits.onnx").read_bytes()
    assert f"version={spark_onnx.__version__}" in properties


def test_zoo_wheel_ships_every_model_card_and_label_file(wheels):
    names = set(zipfile.ZipFile(wheels["zoo"]).namelist())
    # What git tracks: the text encoder (90 MB) is fetched by bin/setup into the checkout only.
    tracked = set(run(["git", "ls-files", "models/zoo"], cwd=ROOT).stdout.split())
    expected = {
        f"spark_onnx_zoo/{p.name}"
        for pattern in ZOO_FILES
        for p in (ROOT / "models" / "zoo").glob(pattern)
        if str(p.relative_to(ROOT)) in tracked
    }
    assert expected <= names
    assert "spark_onnx_zoo/__init__.py" in names
    # The scripts that build the zoo need torch: they stay out of the wheel.
    assert not any(n.endswith(("build_zoo.py", "zoo_models.py", "preprocess.py")) for n in names)


def test_a_tree_without_jars_or_sbt_stops_saying_how(archive, tmp_path):
    tree = tmp_path / "tree"
    for part in ("setup.py", "pyproject.toml", "MANIFEST.in", "README.md"):
        (tree / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(archive / part, tree / part)
    # Without the jars the wheel fixture may have put into the archive already.
    shutil.copytree(archive / "python", tree / "python", ignore=shutil.ignore_patterns("*.jar"))
    env = {k: v for k, v in os.environ.items() if k != "SPARK_ONNX_JARS_FROM"}
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w"]
        + [str(tmp_path / "out"), str(tree)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "bin/sbt sparkOnnx/pythonJars" in output and "SPARK_ONNX_JARS_FROM" in output, output
    assert not list(tmp_path.rglob("*.whl"))


def test_missing_jars_name_the_file_and_the_build_command(tmp_path, monkeypatch):
    monkeypatch.setattr(jars, "JARS_DIR", tmp_path)
    with pytest.raises(jars.MissingJarError) as caught:
        jars.bundled_jars()
    message = str(caught.value)
    assert "spark-onnx_2.13-<version>.jar" in message
    assert "onnxruntime-<version>.jar" in message
    assert str(tmp_path) in message
    assert "bin/sbt sparkOnnx/pythonJars" in message


README_PYTHON = """
import json, sys
import spark_onnx
from spark_onnx.functions import onnx_predict

spark = spark_onnx.session()
spark_onnx.register(spark, "digits", spark_onnx.samples.digits())
df = spark.createDataFrame([([8.0] * 64,)], "pixels array<float>")
probabilities = df.select(onnx_predict("digits", "pixels").alias("p")).first().p
# A zoo name resolves from the installed spark-onnx-zoo wheel, with no registration.
info = spark_onnx.describe(spark, "mobilenet_v2")
print(json.dumps({
    "probabilities": probabilities,
    "package": spark_onnx.__file__,
    "zoo": str(spark_onnx.zoo.folder()),
    "mobilenet_input": info.inputs[0].shape,
}))
"""


def readme_spark_sql_block() -> str:
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    (block,) = [b for b in blocks if "spark-sql $(spark-onnx jars --options)" in b]
    return block


def test_fresh_venv_with_only_the_two_wheels(wheels, tmp_path):
    venv = tmp_path / "venv"
    work = tmp_path / "elsewhere"
    work.mkdir()
    # Nothing of the checkout: no PYTHONPATH (pip would take the checkout's spark_onnx for an
    # installed one), no zoo or Spark setting.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "SPARK_ONNX_ZOO", "SPARK_HOME", "VIRTUAL_ENV")
    }
    env["PATH"] = os.pathsep.join(
        [str(venv / "bin"), str(Path(sys.executable).parent), env["PATH"]]
    )
    run([sys.executable, "-m", "venv", str(venv)], timeout=300)
    python = venv / "bin" / "python"
    # The wheels go in before the dependencies are visible, so pip sees only this venv.
    run(
        [str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps"]
        + [str(wheels["main"]), str(wheels["zoo"])],
        cwd=work,
        env=env,
        timeout=600,
    )
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    # Dependencies from the project's .venv; a .pth file there is not run from here, so its
    # editable spark_onnx stays out and `import spark_onnx` finds the wheel's.
    dependencies = sysconfig.get_paths()["purelib"]
    (Path(site.stdout.strip()) / "project_dependencies.pth").write_text(dependencies + "\n")
    result = json.loads(
        run([str(python), "-c", README_PYTHON], cwd=work, env=env, timeout=600)
        .stdout.strip()
        .splitlines()[-1]
    )
    assert result["package"].startswith(str(venv)), result["package"]
    assert result["zoo"].startswith(str(venv)), result["zoo"]
    assert result["mobilenet_input"] == [-1, 3, 224, 224]
    session = ort.InferenceSession(
        str(ROOT / "models" / "digits.onnx"), providers=["CPUExecutionProvider"]
    )
    expected = session.run(None, {"pixels": np.full((1, 64), 8.0, np.float32)})[0][0]
    np.testing.assert_allclose(result["probabilities"], expected, rtol=1e-5, atol=1e-7)

    zoo = run([str(venv / "bin" / "spark-onnx"), "zoo"], cwd=work, env=env, timeout=300).stdout
    assert "mobilenet_v2" in zoo and str(venv) in zoo, zoo

    # The README's spark-sql lines, verbatim, with the spark-sql of the pyspark dependency.
    sql = run(["bash", "-ec", readme_spark_sql_block()], cwd=work, env=env, timeout=900).stdout
    assert str(venv) in sql  # `spark-onnx jars` printed the wheel's jar paths
    (line,) = [x for x in sql.splitlines() if x.startswith("[") and x.count(",") == 9]
    scored = np.array(json.loads(line), dtype=np.float32)
    np.testing.assert_allclose(scored, expected, rtol=1e-5, atol=1e-7)

    # README command 1's job from the wheels: the sample digits and the zoo's MobileNetV2.
    demo_out = tmp_path / "demo-output"
    command = [str(venv / "bin" / "spark-onnx"), *DEMO_ARGS, "--out", str(demo_out)]
    done = subprocess.run(
        command, cwd=work, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    print(done.stdout)
    check_demo_output(done, demo_out)
