"""The cost of one more step over SSH, beside one ``ssh host true`` of the OpenSSH client.

``(T(41 steps) - T(1 step)) / 40`` of ``baton run -P ubuntu-latest=ssh://box`` against a
real sshd on loopback must be at most 0.5x one ``ssh host true`` (a fresh OpenSSH
connection running one command), both measured in the same run.

Run: python -m bench.ssh_step [--rounds N]
Needs sshd and ssh (``openssh-server``, ``openssh-client``); run as a user sshd accepts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.run_vs_act import repository
from tests.conftest import start_sshd, stop_sshds

LIMIT = 0.5


def workflow(steps: int) -> str:
    lines = "\n".join(f"      - run: echo step {i}" for i in range(steps))
    return f"name: steps\non: push\njobs:\n  many:\n    runs-on: ubuntu-latest\n    steps:\n{lines}\n"


def seconds(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    started: list[tuple[subprocess.Popen[bytes], Path]] = []
    try:
        server = start_sshd("127.0.0.1", False, started)
        with tempfile.TemporaryDirectory(prefix="baton-bench-ssh-") as scratch:
            folder = Path(scratch)
            config = folder / "config" / "baton"
            config.mkdir(parents=True)
            table = {"address": server.host, "port": server.port, "user": server.user,
                     "identity": str(server.client_key_path), "known_hosts": str(server.known_hosts_path),
                     "work_root": str(folder / "work")}
            config.joinpath("baton.toml").write_text(
                "[executors.ssh.hosts.box]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in table.items()))
            env = {**os.environ, "XDG_CONFIG_HOME": str(folder / "config"), "BATON_HOME": str(folder / "home"),
                   "PYTHONPATH": os.environ.get("PYTHONPATH", str(Path(__file__).resolve().parents[1]))}
            one = repository(folder / "one", workflow(1))
            many = repository(folder / "many", workflow(41))
            baton = [sys.executable, "-m", "runner.cli", "run", "--executor", "local", "-P", "ubuntu-latest=ssh://box"]
            ssh = ["ssh", "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={server.known_hosts_path}",
                   "-o", "StrictHostKeyChecking=yes", "-i", str(server.client_key_path), "-p", str(server.port),
                   f"{server.user}@{server.host}", "true"]
            per_step: list[float] = []
            ssh_true: list[float] = []
            for _ in range(args.rounds):  # interleaved, so a busy moment of the machine hits both
                ssh_true.append(seconds(ssh, folder, env))
                per_step.append((seconds(baton, many, env) - seconds(baton, one, env)) / 40)
            step, reference = statistics.median(per_step), statistics.median(ssh_true)
    finally:
        stop_sshds(started)
    ratio = step / reference
    print(f"one more step over SSH: {step * 1000:.0f} ms (median of {args.rounds}: "
          f"{', '.join(f'{s * 1000:.0f}' for s in per_step)} ms)")
    print(f"ssh host true:          {reference * 1000:.0f} ms (median of {args.rounds})")
    print(f"ratio {ratio:.2f}x (limit {LIMIT}x): {'ok' if ratio <= LIMIT else 'TOO SLOW'}")
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    raise SystemExit(main())
