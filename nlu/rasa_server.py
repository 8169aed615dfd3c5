"""Set up, train, serve and stop Rasa Open Source 3.6, which lives in its own Python 3.10 venv.

Rasa 3.6.21 (the last open release) needs Python < 3.11 and pins SQLAlchemy 1.4, pydantic 1 and
TensorFlow 2.12, so it cannot share InterHub's environment: it gets ``.venv-rasa`` and runs as a
server that :mod:`nlu.rasa_backend` talks to over HTTP.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

ROOT = Path(__file__).resolve().parent.parent
RASA_VERSION = "3.6.21"
PYENV_VERSION = "3.10.13"
CONFIG = ROOT / "config.yml"
DATA_DIR = ROOT / "nlu" / "data"
ARTEFACTS = ROOT / "artefacts" / "rasa"
_STAMP = ".interhub-rasa"
#: Models (about 100 MB each) and server logs kept in ``artefacts/rasa``; older ones are removed.
KEEP_MODELS = 4

Echo = Callable[[str], None]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class RasaError(RuntimeError):
    """A one-line, user-facing reason why a Rasa step failed."""


def venv_dir() -> Path:
    """Return ``$RASA_VENV`` or ``.venv-rasa`` in the repository (CI points it at a cache)."""
    return Path(os.environ.get("RASA_VENV") or ROOT / ".venv-rasa")


def rasa_env(venv: Path) -> dict[str, str]:
    """Environment for Rasa processes: telemetry off, no training cache, quiet TensorFlow, own venv."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        VIRTUAL_ENV=str(venv),
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        RASA_MAX_CACHE_SIZE="0",  # no training cache (up to 1 GB): models are cached whole, by hash
    )
    return env


def _python_version(python: str) -> str | None:
    try:
        result = subprocess.run(
            [python, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def find_python() -> Path:
    """Return a Python 3.10: ``$RASA_PYTHON``, pyenv's 3.10.13, else ``python3.10`` on the PATH."""
    candidates: list[str] = []
    if os.environ.get("RASA_PYTHON"):
        candidates.append(os.environ["RASA_PYTHON"])
    pyenv = shutil.which("pyenv")
    if pyenv:
        prefix = subprocess.run(
            [pyenv, "prefix", PYENV_VERSION], capture_output=True, text=True, timeout=30, check=False
        )
        if prefix.returncode == 0 and prefix.stdout.strip():
            candidates.append(str(Path(prefix.stdout.strip()) / "bin" / "python"))
    on_path = shutil.which("python3.10")
    if on_path:
        candidates.append(on_path)
    for candidate in candidates:
        if _python_version(candidate) == "3.10":
            return Path(candidate)
    raise RasaError(
        "Rasa 3.6 needs Python 3.10 with venv and none was found: install it "
        f"(`pyenv install {PYENV_VERSION}` or your system's python3.10 and python3.10-venv), "
        "or set RASA_PYTHON=/path/to/python3.10"
    )


def is_installed(venv: Path) -> bool:
    """Tell whether ``venv`` holds a complete install of the pinned Rasa (written after pip succeeds)."""
    stamp, bin_dir = venv / _STAMP, venv / "bin"
    complete = (bin_dir / "python").exists() and (bin_dir / "rasa").exists() and stamp.exists()
    return complete and stamp.read_text().strip() == RASA_VERSION


@dataclass(frozen=True)
class SetupReport:
    """What :func:`setup` did."""

    venv: Path
    reused: bool
    seconds: float
    size_bytes: int


def setup(venv: Path | None = None, echo: Echo = print) -> SetupReport:
    """Create the Rasa venv with Python 3.10 and install ``rasa==3.6.21``; reuse it when complete."""
    venv = venv or venv_dir()
    started = time.monotonic()
    if is_installed(venv):
        return SetupReport(venv, True, time.monotonic() - started, dir_size(venv))
    if not (venv / "bin" / "python").exists():
        python = find_python()
        echo(f"creating {venv} with {python}")
        # --clear: a venv whose interpreter is gone (e.g. a removed pyenv version) is rebuilt
        _run([str(python), "-m", "venv", "--clear", str(venv)], "creating the Rasa venv")
    elif _python_version(str(venv / "bin" / "python")) != "3.10":
        raise RasaError(f"{venv} exists but is not a Python 3.10 venv: remove it and run setup again")
    echo(f"installing rasa=={RASA_VERSION} into {venv} (about 2 minutes)")
    _run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", f"rasa=={RASA_VERSION}"],
        "pip install rasa",
        env=rasa_env(venv),
    )
    (venv / _STAMP).write_text(RASA_VERSION + "\n")
    return SetupReport(venv, False, time.monotonic() - started, dir_size(venv))


def require_venv(venv: Path | None = None) -> Path:
    """Return the Rasa venv, or raise telling the user to run the setup."""
    venv = venv or venv_dir()
    if not is_installed(venv):
        raise RasaError(f"no Rasa in {venv}: run `make rasa` or `interhub rasa setup` first")
    return venv


def fingerprint(data_dir: Path = DATA_DIR, config: Path = CONFIG) -> str:
    """Hash the training data files, the config and the Rasa version (12 hex digits)."""
    digest = hashlib.sha256(f"rasa {RASA_VERSION}\n".encode())
    digest.update(b"config.yml\0" + config.read_bytes() + b"\0")
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(data_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class TrainReport:
    """A trained model file and how long its training took (measured when it was trained)."""

    model: Path
    reused: bool
    seconds: float


def train(
    data_dir: Path | None = None,
    config: Path | None = None,
    out_dir: Path | None = None,
    venv: Path | None = None,
    echo: Echo = print,
) -> TrainReport:
    """Train ``nlu-<hash>.tar.gz`` with ``rasa train nlu`` unless that exact model exists already.

    Defaults: ``nlu/data``, ``config.yml`` and ``artefacts/rasa`` of the repository.
    """
    venv = require_venv(venv)
    data_dir, config, out_dir = data_dir or DATA_DIR, config or CONFIG, out_dir or ARTEFACTS
    if not data_dir.is_dir() or not config.is_file():
        raise RasaError(f"need a training data folder and a config file: {data_dir}, {config}")
    name = f"nlu-{fingerprint(data_dir, config)}"
    model, meta = out_dir / f"{name}.tar.gz", out_dir / f"{name}.json"
    if model.exists():
        seconds = json.loads(meta.read_text())["train_seconds"] if meta.exists() else float("nan")
        return TrainReport(model, True, seconds)
    out_dir.mkdir(parents=True, exist_ok=True)
    echo(f"training {model.name} from {data_dir} and {config.name}; this takes minutes")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".training-") as scratch:
        log_path = out_dir / f"{name}.train.log"
        with log_path.open("w") as log:
            command = [str(venv / "bin" / "rasa"), "train", "nlu", "--config", str(config)]
            command += ["--nlu", str(data_dir), "--out", scratch, "--fixed-model-name", name]
            done = subprocess.run(
                command, stdout=log, stderr=subprocess.STDOUT, env=rasa_env(venv), check=False
            )
        if done.returncode != 0 or not (Path(scratch) / model.name).exists():
            raise RasaError(f"rasa train nlu failed (exit {done.returncode}): {_tail(log_path)}")
        os.replace(Path(scratch) / model.name, model)
    seconds = time.monotonic() - started
    meta.write_text(json.dumps({"train_seconds": round(seconds, 2), "rasa": RASA_VERSION}) + "\n")
    _prune(out_dir, "nlu-*.tar.gz", KEEP_MODELS)
    return TrainReport(model, False, seconds)


class RasaServer:
    """A running ``rasa run --enable-api`` on loopback; stop it with :meth:`stop` or ``with``."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, token: str, log_path: Path) -> None:
        self.process = process
        self.port = port
        self.token = token
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{port}"
        #: Seconds from process start to a loaded model answering ``/status``.
        self.ready_seconds = float("nan")

    def wait_ready(self, timeout: float = 180.0) -> float:
        """Poll ``/status`` until the model is loaded, warm it up; return the seconds to loaded."""
        started = time.monotonic()
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while time.monotonic() - started < timeout:
                if self.process.poll() is not None:
                    raise RasaError(f"rasa run exited with {self.process.returncode}: {_tail(self.log_path)}")
                try:
                    status = client.get(f"{self.url}/status", params={"token": self.token})
                    if status.status_code == 200 and status.json().get("model_file"):
                        self.ready_seconds = time.monotonic() - started
                        # the first parse builds TensorFlow's graph (~70 ms): not on a person's message
                        client.post(
                            f"{self.url}/model/parse", params={"token": self.token}, json={"text": "hi"}
                        )
                        return self.ready_seconds
                except httpx.TransportError:
                    pass
                time.sleep(0.25)
        self.stop()
        raise RasaError(f"rasa run was not ready within {timeout:g} s: {_tail(self.log_path)}")

    def rss_bytes(self) -> int:
        """Resident memory of the server and its children."""
        return process_rss(self.process.pid)

    def stop(self, grace: float = 15.0) -> None:
        """Send SIGTERM to the server's process group, then SIGKILL after ``grace`` seconds."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self) -> RasaServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve(model: Path, port: int, token: str, venv: Path | None = None, wait: float = 180.0) -> RasaServer:
    """Start ``rasa run --enable-api`` on 127.0.0.1:``port`` with ``--auth-token``; wait until it is ready."""
    venv = require_venv(venv)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    _prune(ARTEFACTS, "server-*.log", KEEP_MODELS)
    log_path = ARTEFACTS / f"server-{port}.log"
    command = [str(venv / "bin" / "rasa"), "run", "--enable-api", "--model", str(model)]
    # One argument with "=": a random token may start with "-", which argparse would take for an option.
    command += ["--interface", "127.0.0.1", "--port", str(port), f"--auth-token={token}"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=rasa_env(venv), start_new_session=True
        )
    server = RasaServer(process, port, token, log_path)
    try:
        server.wait_ready(wait)
    except BaseException:
        server.stop()
        raise
    return server


def process_rss(pid: int) -> int:
    """Resident set size in bytes of ``pid`` plus its descendants (Linux ``/proc``; 0 elsewhere)."""
    total = 0
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        total = next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:"))
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += process_rss(int(child))
    except (OSError, StopIteration, ValueError):
        pass
    return total


def dir_size(path: Path) -> int:
    """Bytes of the regular files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _prune(folder: Path, pattern: str, keep: int) -> None:
    """Remove all but the ``keep`` newest files matching ``pattern`` (and a model's .json and .train.log)."""
    old = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)[keep:]
    for path in old:
        stem = path.name.removesuffix(".tar.gz")
        for companion in (path, folder / f"{stem}.json", folder / f"{stem}.train.log"):
            companion.unlink(missing_ok=True)


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(command, env=env, check=False)
    if done.returncode != 0:
        raise RasaError(f"{what} failed with exit code {done.returncode} (see the output above)")


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = _ANSI.sub("", path.read_text(errors="replace")).strip().splitlines()
    except OSError:
        return f"no log at {path}"
    return " | ".join(text[-lines:]) + f" (log: {path})"
