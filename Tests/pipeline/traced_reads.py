"""What test_declared_reads.py reads a traced `make` with: the processes of an
strace log (`strace -f -e trace=execve,open,openat,clone,…`), the files each
stage opened, what it made, and make's own view of the prerequisites
(`make -p -q`, its data base).

A stage is a process executing an `ntk-*` binary or gnuplot; its threads and
children that execute nothing else are part of it. It made the files its
command line names as outputs and the files it created: an AtomicOutput
temporary `.NAME.<host>.<pid>.<tag>.tmp` (and `..NAME.digest.<host>.<pid>.<tag>.tmp`)
or gnuplot's `.NAME.tmp` stands for NAME.
"""
from __future__ import annotations

import functools
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ntk_testing import REPO, clean_env

# The flags the trace needs: every child (-f), whole strings and argument lists
# (-s, -v), no signals or exit lines, and stops only at the traced calls.
STRACE = ["strace", "-f", "-qq", "-v", "-s", "1000000", "--seccomp-bpf", "-e", "signal=none",
          "-e", "trace=execve,open,openat,clone,clone3,fork,vfork"]

# The options naming a file a stage writes (ntk-sweep-report's --output is its folder).
OUTPUT_OPTIONS = ("--output", "--csv", "--markdown", "--alignment-csv", "--alignment-markdown", "--trajectory-csv",
                  "-o")
O_ACCMODE, O_WRONLY, O_CREAT, O_DIRECTORY = 0o3, 0o1, 0o100, 0o200000
FLAG_VALUES = {"O_WRONLY": 0o1, "O_RDWR": 0o2, "O_CREAT": O_CREAT, "O_DIRECTORY": O_DIRECTORY}

_CALL = re.compile(r"^(\d+) +(\w+)\((.*)\) += (-?\d+)")
_UNFINISHED = re.compile(r"^(\d+) +(.*) <unfinished \.\.\.>$")
_RESUMED = re.compile(r"^(\d+) +<\.\.\. \w+ resumed>(.*)$")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _unescape(text: str) -> str:
    """A C string as strace prints it (\\n, \\t, \\", \\\\, octal \\NNN, hex \\xNN) back to text."""
    raw = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            raw += c.encode()
            i += 1
            continue
        n = text[i + 1]
        if n == "x":
            raw.append(int(text[i + 2:i + 4], 16))
            i += 4
        elif n.isdigit():
            digits = re.match(r"[0-7]{1,3}", text[i + 1:]).group()
            raw.append(int(digits, 8))
            i += 1 + len(digits)
        else:
            raw += {"n": b"\n", "t": b"\t", "r": b"\r", "v": b"\v", "f": b"\f"}.get(n, n.encode())
            i += 2
    return raw.decode(errors="surrogateescape")


def _string_list(text: str) -> tuple[list[str], str]:
    """The strings of the list that `text` starts with ('[' … ']'), and what follows it."""
    assert text.startswith("["), text[:80]
    items, i = [], 1
    while text[i] != "]":
        match = _STRING.match(text, i)
        assert match, text[i:i + 80]
        items.append(_unescape(match.group(1)))
        i = match.end()
        if text.startswith(", ", i):
            i += 2
    return items, text[i + 1:]


@dataclass
class Open:
    path: Path   # absolute, as opened (relative paths resolved against the repository, make's folder)
    flags: int
    line: int    # its place in the log
    anchored: bool = True   # False: relative to a folder's descriptor (openat(fd, …)), `path` as given

    @property
    def reads(self) -> bool:
        return self.flags & O_ACCMODE != O_WRONLY

    @property
    def creates(self) -> bool:
        return bool(self.flags & O_CREAT)


@dataclass
class Process:
    pid: int
    parent: int | None = None
    cloned_at: int = 0               # the parent's log line that started it
    execs: list[tuple[int, list[str], dict[str, str]]] = field(default_factory=list)   # (line, argv, environment)
    opens: list[Open] = field(default_factory=list)


def _flags(text: str) -> int:
    return sum(FLAG_VALUES.get(name, 0) for name in text.split("|"))


def parse_log(log: Path) -> dict[int, Process]:
    """Every process of an strace log, with its successful execve and open calls."""
    processes: dict[int, Process] = {}
    pending: dict[int, str] = {}

    def process(pid: int) -> Process:
        return processes.setdefault(pid, Process(pid))
    for number, line in enumerate(log.read_text(errors="surrogateescape").splitlines()):
        if match := _UNFINISHED.match(line):
            pending[int(match.group(1))] = f"{match.group(1)} {match.group(2)}"
            continue
        if match := _RESUMED.match(line):
            line = pending.pop(int(match.group(1)), "") + match.group(2)
        match = _CALL.match(line)
        if not match or int(match.group(4)) < 0:
            continue
        pid, call, arguments, result = int(match.group(1)), match.group(2), match.group(3), int(match.group(4))
        if call in ("clone", "clone3", "fork", "vfork") and result > 0:
            child = process(result)
            child.parent, child.cloned_at = pid, number
        elif call == "execve":
            argv, rest = _string_list(arguments[_STRING.match(arguments).end() + 2:])
            environment = dict(v.split("=", 1) for v in _string_list(rest[2:])[0] if "=" in v) \
                if rest.startswith(", [") else {}
            process(pid).execs.append((number, argv, environment))
        elif call in ("open", "openat"):
            name = _STRING.search(arguments)
            path = _unescape(name.group(1))
            anchored = call == "open" or arguments.startswith("AT_FDCWD") or path.startswith("/")
            flags = _flags(arguments[name.end() + 2:].split(",")[0])
            process(pid).opens.append(Open(_absolute(path) if anchored else Path(path), flags, number, anchored))
    return processes


def program_at(processes: dict[int, Process], pid: int, line: int) -> tuple[int, list[str], dict[str, str]] | None:
    """(the pid that executed it, argv, environment) of the program `pid` runs at `line` of the log: its own
    last execve before the line, else its parent's when it was started."""
    p = processes[pid]
    execs = [e for e in p.execs if e[0] <= line]
    if execs:
        return pid, execs[-1][1], execs[-1][2]
    return program_at(processes, p.parent, p.cloned_at) if p.parent in processes else None


def is_stage(argv: list[str]) -> bool:
    """A stage: an ntk-* binary or gnuplot, but not a sweep's progress line (`ntk-html-report progress`, which
    keeps its marks in report/.progress, make's bookkeeping like the stamps)."""
    name = os.path.basename(argv[0])
    return (name.startswith("ntk-") or name == "gnuplot") and argv[1:2] != ["progress"]


def is_make(argv: list[str]) -> bool:
    return os.path.basename(argv[0]) == "make"


def final_name(path: Path, pid: int) -> Path | None:
    """The file a temporary stands for: `.NAME.<host>.<pid>.<tag>.tmp` (AtomicOutput, written by process
    `pid`) or `.NAME.tmp` (the figures' recipe); None for a file that is not a temporary."""
    name = path.name
    if not (name.startswith(".") and name.endswith(".tmp")):
        return None
    atomic = re.fullmatch(rf"\.(.+)\.{pid}\.[^.]+\.tmp", name)
    if atomic:
        # NAME.<host>: the host may hold dots; NAME is the longest prefix that exists after the run.
        parts = atomic.group(1).split(".")
        for end in range(len(parts) - 1, 0, -1):
            if (path.parent / ".".join(parts[:end])).exists():
                return path.parent / ".".join(parts[:end])
    return path.parent / name[1:-len(".tmp")]


def sidecar_of(path: Path) -> Path | None:
    """NAME for the sidecars `.NAME.digest` (a stage's) and `.NAME.cmd` (make's stamp)."""
    match = re.fullmatch(r"\.(.+)\.(digest|cmd|cmd\.\d+\.new)", path.name)
    return path.parent / match.group(1) if match else None


@dataclass
class Stage:
    """One stage process: its command line, the make that ran it, what it opened and made."""
    pid: int
    argv: list[str]
    make_pid: int
    opens: list[Open]
    outputs: set[Path]

    @property
    def name(self) -> str:
        return os.path.basename(self.argv[0])


def command_outputs(argv: list[str]) -> set[Path]:
    """The files a stage's command line names as outputs (gnuplot's: its target, a temporary)."""
    found = set()
    if os.path.basename(argv[0]) == "gnuplot":
        found = {argv[4]} if len(argv) > 4 and argv[1] == "-c" else set()
    for i, word in enumerate(argv[1:], 1):
        option, _, value = word.partition("=")
        if option in OUTPUT_OPTIONS:
            found.add(value or (argv[i + 1] if i + 1 < len(argv) else ""))
    return {_absolute(p) for p in found if p}


def stages(processes: dict[int, Process]) -> list[Stage]:
    """Every stage of the trace, with the make whose recipe started it."""
    found = {p.pid: Stage(p.pid, argv, _make_of(processes, p.pid), [], set())
             for p in processes.values() for _, argv, _ in p.execs if is_stage(argv)}
    for p in processes.values():
        for o in p.opens:
            owner = program_at(processes, p.pid, o.line)
            if owner and is_stage(owner[1]):
                found[owner[0]].opens.append(o)
    for stage in found.values():
        made = command_outputs(stage.argv) | {o.path for o in stage.opens if o.creates}
        stage.outputs = {final_name(path, stage.pid) or path for path in made}
        stage.outputs = {sidecar_of(path) or path for path in stage.outputs}
    return sorted(found.values(), key=lambda s: s.pid)


def _make_of(processes: dict[int, Process], pid: int) -> int:
    """The make whose recipe started process `pid`: the nearest make among its ancestors."""
    p = processes[pid]
    while p.parent in processes:
        owner = program_at(processes, p.parent, p.cloned_at)
        if owner and is_make(owner[1]):
            return owner[0]
        p = processes[p.parent]
    raise AssertionError(f"process {pid} was not started by make")


# --- make's view: its data base ------------------------------------------------------------------------


class Rule:
    """A target's rule in make's data base: its words as make printed them, made paths when asked."""

    def __init__(self, prerequisites: list[str]):
        self.words, self.also_words, self.has_recipe = prerequisites, [], False

    @functools.cached_property
    def prerequisites(self) -> set[Path]:
        return {_absolute(w) for w in self.words}

    @functools.cached_property
    def also_makes(self) -> set[Path]:
        return {_absolute(w) for w in self.also_words}


class Database(dict):
    """Target (an absolute path) → Rule; the data base of a large Makefile holds tens of thousands of words."""

    def __contains__(self, path) -> bool:
        return super().__contains__(str(path))

    def __getitem__(self, path) -> Rule:
        return super().__getitem__(str(path))


def _absolute(word: str) -> Path:
    return Path(os.path.normpath(REPO / word))


def make_database(argv: list[str], environment: dict[str, str], goals: list[Path]) -> Database:
    """make's data base (`make -p -q`) for a make started with `argv` and `environment` (its MAKEFLAGS,
    without the jobserver), asked for `goals` so that it searches their pattern rules: target → rule."""
    options = [w for w in argv[1:] if w.startswith("-") and not w.startswith("-j") and w != "-s"]
    assignments = [w for w in argv[1:] if not w.startswith("-") and "=" in w]
    env = clean_env()
    flags = environment.get("MAKEFLAGS", "")
    if flags:
        env["MAKEFLAGS"] = re.sub(r"(^| )(-j\d*|--jobserver-(auth|fds)=\S+)(?= |$)", " ", flags).strip()
    result = subprocess.run(["make", "-p", "-q", *options, *assignments, *map(str, goals)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    if "# Files" not in result.stdout:
        raise AssertionError(f"make -p -q {' '.join(argv[1:])} printed no data base:\n{result.stderr}")
    rules, target = Database(), None
    for line in result.stdout.rsplit("# Files", 1)[1].splitlines():
        if line.startswith("# files hash-table stats"):
            break
        if target and line.startswith("#  Also makes: "):
            target.also_words = line.split(": ", 1)[1].split()
        elif target and line.startswith("\t"):
            target.has_recipe = True
        elif line and not line.startswith(("#", "\t", " ")) and ":" in line and not re.match(r"^\S+ :?:?= ", line):
            name, _, prerequisites = line.partition(":")
            target = Rule(prerequisites.lstrip(":").split("|")[0].split())
            dict.__setitem__(rules, os.path.normpath(os.path.join(REPO, name)), target)
        elif not line:
            target = None
    return rules
