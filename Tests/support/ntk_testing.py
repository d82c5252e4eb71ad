"""What the Python suites (Tests/pipeline, Tests/faults) share: how they reach
the repository, its `make`, its stage binaries and their artifacts.

Written once here so that both suites run the pipeline exactly as a user
would (`make -s RUN=<tmp> D=...` from the repository root) and call a stage
with exactly the command line pipelines/layerwise.mk gives it. Each suite's
pytest.ini puts this folder on the import path.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import xxhash

# --- the repository ------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
SOURCE_BIN = REPO / ".build" / "release"
REFERENCE = REPO / "bench" / "reference.py"
# The venv's python: bench/reference.py needs numpy and scikit-learn.
PYTHON = str(REPO / ".venv" / "bin" / "python")

# The stages of one run, in order; the sweep report reads many.
PIPELINE_STAGES = ["truth", "init", "features", "train", "evaluate", "report"]
STAGES = PIPELINE_STAGES + ["import", "infinite-kernel", "gradient-descent", "sweep-report", "kernel-convergence",
                             "theory-curve", "spectrum", "html-report"]
STEPS = ["W", "V", "u"]
LAYER_NAMES = {"W": "W1", "V": "W2", "u": "u"}
# pipelines/layerwise.mk's defaults, for the command lines it would give a stage.
DEFAULTS = {"D": 25, "M": 100, "M_TEST": 100000, "TEACHER_SEED": 124, "INIT_SEEDS": "0 1 2", "C": 1,
            "LAYERS": " ".join(STEPS), "FEATURE_KIND": "output-gradient", "STORAGE": "auto", "TEST_FEATURES": "",
            "INPUT_SEEDS": "", "BASELINES": "", "SPECTRUM_SAMPLES": 2000, "SPECTRUM_SEED": 0, "THEORY_SAMPLES": 4000,
            "KRR_RIDGE": "1e-3"}


def parameter(params: dict[str, object], key: str) -> str:
    """A make parameter of a run as make sees it: given, or layerwise.mk's default."""
    if key in ("WIDTHS", "TEACHER_WIDTHS") and key not in params:
        d = parameter(params, "D")
        return f"{d},{d}"
    return str(params.get(key, DEFAULTS.get(key)))


# --- the binaries ---------------------------------------------------------------------

_binaries = SOURCE_BIN


def use_binaries(folder: Path) -> None:
    """Runs every stage and `make` of the session from `folder` (a suite's private copy)."""
    global _binaries
    _binaries = folder


def binary(stage: str) -> Path:
    return _binaries / f"ntk-{stage}"


# --- the environment of a child process ---------------------------------------------------

# What an enclosing make (`make test`) passes down: removed, so that a test sees
# the same output under `make test-pipeline` as under a bare `pytest`.
MAKE_VARIABLES = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT", "MAKE_TERMERR",
                  "MAKE_RESTARTS", "GNUMAKEFLAGS"}


def _outside_make() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES}


@functools.cache
def openblas_coretype() -> str:
    """The OpenBLAS core the Makefile exports to its stages, asked of make
    itself, so that its CPU detection stays in one place."""
    return subprocess.run(["make", "-s", "print-OPENBLAS_CORETYPE"], cwd=REPO, env=_outside_make(),
                          capture_output=True, text=True, check=True).stdout.strip()


def clean_env() -> dict[str, str]:
    """No enclosing make's flags, one BLAS thread, and make's OpenBLAS core:
    the BLAS kernel changes the last bits of products, so a stage called
    directly must use make's to give make's artifacts bit for bit."""
    env = _outside_make()
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["LC_ALL"] = "C.UTF-8"
    if openblas_coretype():
        env.setdefault("OPENBLAS_CORETYPE", openblas_coretype())
    return env


# --- make ------------------------------------------------------------------------------


def make_arguments(params: dict[str, object], *, bin_folder: Path | None = None) -> list[str]:
    """make's arguments for a pipeline with `params` on the session's binaries.
    They are marked old-but-current (`--old-file`): a source file edited while
    the suite runs must not start `swift build` in the middle of a test."""
    folder = bin_folder or _binaries
    return ([f"--old-file={folder / f'ntk-{stage}'}" for stage in STAGES] + [f"BIN={folder}"]
            + [f"{k}={v}" for k, v in params.items()])


def make_command(run: Path, params: dict[str, object] | None = None, goals: list[str] | tuple = (), *,
                 silent: bool = True, bin_folder: Path | None = None) -> list[str]:
    return (["make"] + (["-s"] if silent else []) + make_arguments(params or {}, bin_folder=bin_folder)
            + [f"RUN={run}", *goals])


def make(run: Path, params: dict[str, object] | None = None, goals: list[str] | tuple = (), *, silent: bool = True,
         check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    """`make` from the repository root; with `check`, a failure shows both outputs."""
    command = make_command(run, params, goals, silent=silent)
    result = run_command(command, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed with exit status {result.returncode}\n"
                             f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}")
    return result


# --- running a command --------------------------------------------------------------------


def run_command(argv: list[object], *, timeout: float = 120, **options) -> subprocess.CompletedProcess:
    """`argv` from the repository root in the clean environment, its output captured as text."""
    return subprocess.run([str(a) for a in argv], cwd=REPO, env=clean_env(), capture_output=True, text=True,
                          timeout=timeout, **options)


def run_stage(stage: str, *args: object, timeout: float = 120) -> subprocess.CompletedProcess:
    return run_command([binary(stage), *args], timeout=timeout)


def crashed(returncode: int, stderr: str) -> str | None:
    """Why a finished process counts as crashed rather than failed, or None."""
    if returncode < 0 or returncode >= 128:
        return f"killed by a signal or crashed (exit status {returncode})"
    for marker in ("Program crashed", "Backtrace", "Fatal error", "Stack dump", "Segmentation fault"):
        if marker in stderr:
            return f"{marker!r} on stderr"
    return None


# --- the stages' command lines, as pipelines/layerwise.mk writes them ------------------------


def _command(stage: str, *args: object, quiet: bool = False, output: Path | None = None) -> list[str]:
    return ([str(binary(stage))] + [str(a) for a in args] + (["--quiet"] if quiet else [])
            + (["-o", str(output)] if output else []))


def truth_command(output: Path, *, dim: object, train: object, test: object, widths: str, seed: object,
                  input_seeds: str = "", quiet: bool = False) -> list[str]:
    return _command("truth", "--dim", dim, "--train", train, "--test", test, "--widths", widths, "--seed", seed,
                    *(["--input-seeds", input_seeds] if input_seeds else []), quiet=quiet, output=output)


def init_command(output: Path, *, dim: object, widths: str, layer: str, seed: object, previous: Path | None = None,
                 quiet: bool = False) -> list[str]:
    carried = ["--from", previous] if previous else []
    return _command("init", "--dim", dim, "--widths", widths, "--layer", layer, "--seed", seed, *carried,
                    quiet=quiet, output=output)


def features_command(output: Path, *, truth: Path, network: Path, layer: str, kind: str = "output-gradient",
                     storage: str = "auto", test_features: bool = False, quiet: bool = False) -> list[str]:
    storage_flag = ["--storage", storage] if storage != "auto" else []
    return _command("features", "--truth", truth, "--network", network, "--layer", layer, "--kind", kind,
                    *storage_flag, *(["--test-features"] if test_features else []), quiet=quiet, output=output)


def train_command(output: Path, *, features: Path, C: object = 1, quiet: bool = False) -> list[str]:
    return _command("train", "--features", features, "--C", C, quiet=quiet, output=output)


def evaluate_command(output: Path, *, truth: Path, network: Path, features: Path, svm: Path,
                     quiet: bool = False) -> list[str]:
    return _command("evaluate", "--truth", truth, "--network", network, "--features", features, "--svm", svm,
                    quiet=quiet, output=output)


def report_command(evaluations: list[Path], *, csv: Path, markdown: Path) -> list[str]:
    """ntk-report prints no progress and has no --quiet."""
    return _command("report", *evaluations, "--csv", csv, "--markdown", markdown)


def sweep_report_command(points: list[Path], *, name: str, output: Path, steps: list[str] = STEPS,
                         quiet: bool = False) -> list[str]:
    """ntk-sweep-report over run folders: each point's steps' evaluation files, in order."""
    evaluations = [point / step / "eval.h5" for point in points for step in steps]
    return _command("sweep-report", *evaluations, "--name", name, quiet=quiet, output=output)


def spectrum_command(steps: list[Path], *, truth: Path, trained: bool = False, infinite: bool = False,
                     samples: object = 2000, seed: object = 0, alignment_csv: Path | None = None,
                     alignment_markdown: Path | None = None, quiet: bool = False) -> list[str]:
    """ntk-spectrum over step folders (each holding network.h5 and features.h5, and
    trained.h5 with `trained`): it writes spectrum.h5 and spectrum.csv into each."""
    return _command("spectrum", "--truth", truth, *(["--trained"] if trained else []),
                    *(["--infinite"] if infinite else []), "--samples", samples, "--seed", seed,
                    *(["--alignment-csv", alignment_csv] if alignment_csv else []),
                    *(["--alignment-markdown", alignment_markdown] if alignment_markdown else []), *steps,
                    quiet=quiet)


def theory_curve_command(output: Path, *, truth: Path, network: Path, layer: str, samples: object = 4000,
                         krr_ridge: object = "1e-3", quiet: bool = False) -> list[str]:
    return _command("theory-curve", "--truth", truth, "--network", network, "--layer", layer, "--samples", samples,
                    "--krr-ridge", krr_ridge, quiet=quiet, output=output)


# The inputs ntk-spectrum reads in a step folder, and what it writes there and beside the step folders.
SPECTRUM_INPUTS = ["network.h5", "features.h5"]
SPECTRUM_STEP_OUTPUTS = ["spectrum.h5", "spectrum.csv"]
ALIGNMENT_OUTPUTS = ["alignment.csv", "alignment.md"]


def spectrum_outputs(steps: list[str]) -> list[str]:
    """Everything one ntk-spectrum of a run writes (relative to the run), in the
    order it renames them into place: the alignment table first, then each step's
    files from the last step to the first (its writes are nested: each output's
    temporary is complete before the first rename)."""
    return (["alignment.md", "alignment.csv"]
            + [f"{s}/{name}" for s in reversed(steps) for name in SPECTRUM_STEP_OUTPUTS])


def link_spectrum_inputs(run: Path, folder: Path, steps: list[str], *, trained: bool = False) -> None:
    """Hard-links (or, on another file system, copies) each step's inputs of
    ntk-spectrum from `run` into `folder`/<step>, where missing: the stage writes
    beside its inputs, so its multi-folder form (stage_command's `output`) needs
    them there."""
    for step in steps:
        (folder / step).mkdir(parents=True, exist_ok=True)
        for name in SPECTRUM_INPUTS + (["trained.h5"] if trained else []):
            if (folder / step / name).exists():
                continue
            try:
                os.link(run / step / name, folder / step / name)
            except OSError:  # another file system (a tmpfs): a copy
                shutil.copyfile(run / step / name, folder / step / name)


def stage_command(stage: str, run: Path, params: dict[str, object], step: str | None = None, *,
                  output: Path | None = None, quiet: bool = False) -> list[str]:
    """The command make runs for `stage` (of `step`) in `run`; `output` writes
    elsewhere (a folder, for the report; for ntk-spectrum, which runs once over
    every step, the folder holding the step folders, which must hold the inputs:
    link_spectrum_inputs)."""
    value = functools.partial(parameter, params)
    steps = value("LAYERS").split()
    if stage == "spectrum":
        baselines = value("BASELINES").split()
        folder = output or run
        return spectrum_command([folder / s for s in steps], truth=run / "truth.h5", trained="trained" in baselines,
                                infinite="infinite" in baselines, samples=value("SPECTRUM_SAMPLES"),
                                seed=value("SPECTRUM_SEED"), alignment_csv=folder / "alignment.csv",
                                alignment_markdown=folder / "alignment.md", quiet=quiet)
    if stage == "truth":
        return truth_command(output or run / "truth.h5", dim=value("D"), train=value("M"), test=value("M_TEST"),
                             widths=value("TEACHER_WIDTHS"), seed=value("TEACHER_SEED"),
                             input_seeds=value("INPUT_SEEDS"), quiet=quiet)
    if stage == "report":
        folder = output or run
        return report_command([run / s / "eval.h5" for s in steps], csv=folder / "results.csv",
                              markdown=folder / "results.md")
    folder, files = run / step, step_files(run, step)
    if stage == "init":
        index = steps.index(step)
        return init_command(output or files["network"], dim=value("D"), widths=value("WIDTHS"), layer=step,
                            seed=value("INIT_SEEDS").split()[index],
                            previous=run / steps[index - 1] / "eval.h5" if index > 0 else None, quiet=quiet)
    if stage == "features":
        return features_command(output or files["features"], truth=files["truth"], network=files["network"],
                                layer=step, kind=value("FEATURE_KIND"), storage=value("STORAGE"),
                                test_features=value("TEST_FEATURES") in ("1", "yes", "true"), quiet=quiet)
    if stage == "train":
        return train_command(output or files["svm"], features=files["features"], C=value("C"), quiet=quiet)
    if stage == "evaluate":
        return evaluate_command(output or folder / "eval.h5", **files, quiet=quiet)
    if stage == "theory-curve":
        return theory_curve_command(output or folder / "theory.h5", truth=files["truth"], network=files["network"],
                                    layer=step, samples=value("THEORY_SAMPLES"), krr_ridge=value("KRR_RIDGE"),
                                    quiet=quiet)
    raise ValueError(stage)


def step_files(run: Path, step: str) -> dict[str, Path]:
    """The files a step's evaluation reads, by the keyword evaluate_command takes."""
    return {"truth": run / "truth.h5", "network": run / step / "network.h5", "features": run / step / "features.h5",
            "svm": run / step / "svm.h5"}


# --- runs -----------------------------------------------------------------------------


@dataclass
class Run:
    """A finished pipeline run: its folder, its make parameters, what make printed and how long it took."""
    path: Path
    params: dict[str, object]
    stdout: str = ""
    stderr: str = ""
    duration: float = 0.0
    goals: tuple[str, ...] = ()   # make's goals (none: the default, `run`)

    def value(self, key: str) -> str:
        return parameter(self.params, key)

    @property
    def d(self) -> int:
        return int(self.value("D"))

    @property
    def m(self) -> int:
        return int(self.value("M"))

    @property
    def m_test(self) -> int:
        return int(self.value("M_TEST"))

    @property
    def seeds(self) -> list[int]:
        return [int(s) for s in self.value("INIT_SEEDS").split()]

    @property
    def truth(self) -> Path:
        return self.path / "truth.h5"

    def artifact(self, step: str, name: str) -> Path:
        return self.path / step / f"{name}.h5"


def start_run(path: Path, params: dict[str, object], goals: tuple[str, ...] = ()) -> Run:
    """Runs the pipeline with `make` (it must succeed)."""
    start = time.monotonic()
    result = make(path, params, goals)
    return Run(path, dict(params), result.stdout, result.stderr, time.monotonic() - start, tuple(goals))


# --- artifacts ----------------------------------------------------------------------------


def read_network(path: Path, group: str = "network") -> list[np.ndarray]:
    """The layers W1 … WL, u of a network group, in order."""
    with h5py.File(path, "r") as f:
        names = [str(n) for n in f[group].attrs["layer_names"]]
        return [f[f"{group}/{n}"][()] for n in names]


def copy_artifact(source: Path, target: Path, modify) -> Path:
    """Copies an artifact and changes the copy with `modify(h5py.File)`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    with h5py.File(target, "r+") as f:
        modify(f)
    return target


def datasets_of(path: Path) -> dict[str, np.ndarray]:
    found = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                found[name] = obj.asstr()[()] if h5py.check_string_dtype(obj.dtype) else obj[()]
        f.visititems(visit)
    return found


def dataset_digest(dataset: h5py.Dataset) -> str:
    """A dataset's own content digest, as its `content_digest` attribute records it."""
    h = xxhash.xxh3_128()
    if h5py.check_string_dtype(dataset.dtype) is not None:
        values = dataset.asstr()[()]
        for s in (np.ravel(values) if dataset.shape else [values]):
            h.update(s.encode() + b"\0")
    else:
        h.update(np.ascontiguousarray(dataset[()], dtype="<f8" if dataset.dtype.kind == "f" else "<i8").tobytes())
    return h.hexdigest()


def content_digest(path: Path) -> str:
    """The content digest recomputed from the datasets, as the file's
    `content_digest_definition` reads: XXH3-128 of the lines
    '<dataset path> (<shape>) <XXH3-128 of its elements>\\n' sorted by path;
    elements as little-endian float64/int64 in row-major order, strings as
    UTF-8 each followed by NUL."""
    with h5py.File(path, "r") as f:
        assert str(f.attrs["content_digest_definition"]).startswith("XXH3-128"), f"{path}: an unknown digest"
        datasets = []
        f.visititems(lambda name, obj: datasets.append((name, obj)) if isinstance(obj, h5py.Dataset) else None)
        lines = [f"/{name} ({','.join(map(str, d.shape))}) {dataset_digest(d)}\n" for name, d in datasets]
    return xxhash.xxh3_128("".join(sorted(lines)).encode()).hexdigest()


def recorded_digest(path: Path) -> str:
    with h5py.File(path, "r") as f:
        return str(f.attrs["content_digest"])


def check_artifact(path: Path) -> tuple[str | None, str | None]:
    """(recorded digest, problem): the file opens with h5py and its content
    digest matches a recomputation."""
    try:
        recorded = recorded_digest(path)
        recomputed = content_digest(path)
    except Exception as error:  # noqa: BLE001 — any failure to read is the finding
        return None, f"{path}: cannot be read with h5py ({type(error).__name__}: {error})"
    if recorded != recomputed:
        return recorded, f"{path}: content digest {recorded[:12]}… but the datasets give {recomputed[:12]}…"
    return recorded, None


def same_datasets(path: Path, reference: Path) -> list[str]:
    """Problems unless both files hold the same datasets, equal bit for bit."""
    try:
        a, b = datasets_of(path), datasets_of(reference)
    except Exception as error:  # noqa: BLE001
        return [f"{path}: cannot be read with h5py ({type(error).__name__}: {error})"]
    if sorted(a) != sorted(b):
        return [f"{path}: datasets {sorted(a)}, expected {sorted(b)}"]
    problems = []
    for name in a:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        if x.dtype != y.dtype or x.shape != y.shape or (
                x.tobytes() != y.tobytes() if x.dtype != object else list(x.ravel()) != list(y.ravel())):
            problems.append(f"{path}: dataset /{name} differs from the undisturbed run's")
    return problems


# --- run folders ----------------------------------------------------------------------------


def is_temporary(name: str) -> bool:
    return name.startswith(".") and name.endswith(".tmp")


# The HTML pages: views of a run's provenance (its folder, every artifact's time), not results; their content
# is Tests/pipeline/test_html_report.py's.
PAGES = {"report.html", "index.html"}


def is_page(rel: str) -> bool:
    return Path(rel).name in PAGES


def is_cache_record(name: str) -> bool:
    """make's stamp `.NAME.cmd` (and `.NAME.cmd.<pid>.new` while its stage runs) and a stage's content-digest
    sidecar `.NAME.digest` (pipelines/cache.mk)."""
    return name.startswith(".") and (name.endswith((".cmd", ".digest")) or re.search(r"\.cmd\.\d+\.new$", name))


def temporaries(folder: Path) -> list[str]:
    """Temporary files anywhere under `folder` (stage outputs `.…tmp`)."""
    if not folder.exists():
        return []
    return sorted(str(q.relative_to(folder)) for q in folder.rglob("*") if q.is_file() and is_temporary(q.name))


def final_files(folder: Path) -> list[str]:
    """Files under `folder` with a final name (no temporaries; make's stamps, the digest sidecars and a sweep's
    progress marks left out)."""
    return sorted(str(q.relative_to(folder)) for q in folder.rglob("*")
                  if q.is_file() and not is_temporary(q.name) and not is_cache_record(q.name)
                  and ".progress" not in q.parts)


def link_tree(source: Path, target: Path, skip: set[str] = frozenset()) -> None:
    """Hard-links every file of `source` into `target` (same inodes, so same mtimes) except `skip`."""
    for q in source.rglob("*"):
        rel = str(q.relative_to(source))
        if q.is_file() and rel not in skip and not is_temporary(q.name):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            os.link(q, target / rel)
    target.mkdir(parents=True, exist_ok=True)


def reseal(f: h5py.File, *, root: bool = True) -> None:
    """Rewrites the content digests of an artifact open for writing (`f`, e.g. in
    copy_artifact's `modify`): each dataset's `content_digest` and, with `root`,
    the file's, as the writer would have recorded them for the datasets as they
    now are. A file changed by a test then differs from a valid one only by what
    the test changed, not also by digests that no longer match. Without `root`
    the file keeps the digest it was written with, so that the artifacts made
    from it still name it as their input."""
    datasets = []
    f.visititems(lambda name, obj: datasets.append((name, obj)) if isinstance(obj, h5py.Dataset) else None)
    lines = []
    for name, dataset in datasets:
        digest = dataset_digest(dataset)
        dataset.attrs["content_digest"] = digest
        lines.append(f"/{name} ({','.join(map(str, dataset.shape))}) {digest}\n")
    if root:
        f.attrs["content_digest"] = xxhash.xxh3_128("".join(sorted(lines)).encode()).hexdigest()
