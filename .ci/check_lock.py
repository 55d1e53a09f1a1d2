"""Fail unless every package in the running environment is pinned, at its version, by the lock.

Run by `.ci/run` after the install: a package that an install pulled in without the lock
knowing it (a dependency added to pyproject.toml but not to constraints.txt) is an error,
so CI only passes with exactly the versions the lock records.
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import distributions
from pathlib import Path

# The installer's own packages and the project itself are not pinned by the lock.
NOT_LOCKED = {"pip", "setuptools", "wheel", "dbsynth"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(lock: Path) -> dict[str, set[str]]:
    """Name → pinned versions (a universal lock may pin one per Python version, by marker)."""
    pins: dict[str, set[str]] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)", line)
        if match:
            pins.setdefault(normalise(match.group(1)), set()).add(match.group(2))
    return pins


def main(lock_path: str) -> int:
    pins = pinned(Path(lock_path))
    problems = []
    installed = 0
    for dist in distributions():
        name = normalise(dist.metadata["Name"])
        if name in NOT_LOCKED:
            continue
        installed += 1
        if name not in pins:
            problems.append(f"{name} {dist.version} is installed but not in {lock_path}")
        elif dist.version not in pins[name]:
            wanted = " or ".join(sorted(pins[name]))
            problems.append(f"{name} {dist.version} is installed, {lock_path} pins {wanted}")
    if installed == 0 or not any(normalise(d.metadata["Name"]) == "dbsynth" for d in distributions()):
        problems.append("dbsynth is not installed here: the install failed or ran elsewhere")
    for problem in sorted(problems):
        print(f"lock: {problem}", file=sys.stderr)
    if problems:
        print("lock: add it to pyproject.toml and refresh the lock with .ci/lock (README: The lock)", file=sys.stderr)
        return 1
    print(f"lock: all {installed} installed packages are pinned by {lock_path}, at their versions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "constraints.txt"))
