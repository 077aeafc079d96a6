"""gunicorn on loopback for the benchmarks that measure over HTTP."""

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
MODEL_VAR = ROOT / "bench" / "work" / "triage-model"  # VAR_DIR of the one model all share


def triage_model(var_dir: Path) -> None:
    """Put the triage model a bank runs with into a benchmark's VAR_DIR, so that its
    registrations classify and store suggested codes as in production. Trained once from the
    shared data (without staff feedback) and again only when triage's code is newer."""
    newest_code = max(p.stat().st_mtime for p in (ROOT / "triage").glob("*.py"))
    models = MODEL_VAR / "models"
    trained = [p.stat().st_mtime for p in models.glob("*")] if models.exists() else []
    if not trained or max(trained) < newest_code:
        shutil.rmtree(MODEL_VAR, ignore_errors=True)
        MODEL_VAR.mkdir(parents=True)
        subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "train_triage",
                        "--no-feedback"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "TOUSU_VAR_DIR": str(MODEL_VAR)}, timeout=600)
    shutil.copytree(models, var_dir / "models", dirs_exist_ok=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(env: dict[str, str], log_path: Path, threads: int = 1,
          extra: tuple[str, ...] = (), gunicorn: Path = GUNICORN, app: str = "tousu.wsgi",
          cwd: Path = ROOT) -> Iterator[int]:
    """Run an app (tousu by default) under gunicorn ($BENCH_WORKERS workers, default 2; sync,
    or gthread with `threads`) until the block ends, even on failure, and yield its port; the
    whole process group is stopped after."""
    port = free_port()
    workers = os.environ.get("BENCH_WORKERS", "2")
    cmd = [str(gunicorn), app, "--workers", workers, "--bind", f"127.0.0.1:{port}",
           "--log-level", "warning", "--graceful-timeout", "5", *extra]
    if threads > 1:
        cmd += ["--threads", str(threads)]
    with log_path.open("a") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **env}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {log_path}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.2)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=5)
