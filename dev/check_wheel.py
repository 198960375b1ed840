"""Build the wheel, install it into a fresh virtualenv, and code an example story with it.

    python dev/check_wheel.py [--keep]

An editable install hides a file missing from the package: this check fails when a data file,
web asset or the spaCy model the coder needs is not inside what users install. The virtualenv
shares nothing with the development one; pip may take packages from its cache or PyPI.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "tocsin"
EXAMPLE = ROOT / "examples" / "kherson-shelling-2025-01.txt"


def build_wheel(folder: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(folder),
            str(ROOT),
        ],
        check=True,
    )
    return next(folder.glob("tocsin-*.whl"))


def missing_files(wheel: Path) -> list[str]:
    """Package files (data, web assets, Python) in the source tree but not in the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        inside = set(archive.namelist())
    wanted = [
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    return sorted(name for name in wanted if name not in inside)


def install(wheel: Path, folder: Path) -> Path:
    """A new virtualenv with the wheel and its dependencies (the English model among them)."""
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", str(wheel)], check=True)
    return folder / "bin" / "tocsin"


def code_example(tocsin: Path, folder: Path) -> list[dict[str, object]]:
    """Run the installed command from outside the source tree, so nothing is found there."""
    done = subprocess.run(
        [tocsin, "code", str(EXAMPLE)], cwd=folder, capture_output=True, text=True, check=True
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the build folder")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="tocsin-wheel-"))
    wheel = build_wheel(folder / "dist")
    missing = missing_files(wheel)
    if missing:
        print(f"{wheel.name} lacks {len(missing)} package files, e.g. {missing[:5]}")
        return 1
    events = code_example(install(wheel, folder / "venv"), folder)
    if not events:
        print(f"the installed wheel coded no events from {EXAMPLE.name}")
        return 1
    print(f"{wheel.name}: every package file inside; installed, it coded {len(events)} events")
    if not args.keep:
        import shutil

        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
