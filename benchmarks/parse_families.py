"""Parse throughput per framework family, next to a one-regex baseline per family.

For each family the real captures of ``fixtures/frameworks`` (raw terminal ``tty.txt`` and piped
``pipe.txt`` of every scenario) are joined and repeated to about ``--mb`` MB, then parsed in a
fresh process that reports its time and peak RSS (``VmHWM``). The baseline is the kind of reader
other tools use: one compiled regex per family over the whole text for the per-epoch values it
prints (it knows no redraws, runs, precision or events). Both must find the same number of epochs
within 1 %, else the figure is not comparable and the row says so.

Run: ``python benchmarks/parse_families.py`` (``--mb 2`` default; medians of ``--repeat`` runs).
Also printed by ``benchmarks/parse_throughput.py``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "frameworks"
#: Per family: the folders, and a regex baseline matching one printed epoch.
FAMILIES = {
    "lightning (tqdm)": ("lightning_tqdm", r"Epoch (\d+): 100%\|[^\n\r]*?train_loss_epoch=([-+.\w]+)\]"),
    "lightning (rich)": ("lightning_rich", r"Epoch (\d+)/\d+ +[━╺╸ ]+(\d+)/\2 [^\n\r]*?train_loss_epoch: *([-+.\w]+)"),
    "hf_trainer": ("hf_trainer", r"\{'eval_loss': '?([-+.\w]+)'?"),
    "fastai": ("fastai", r"(?m)^(\d+) +([-+.\d]+|nan|inf) +([-+.\d]+|nan|inf) "),
    "loop": ("torch_loop", r"(?im)^(?:epoch[:\s\[]*(\d+)[^\n]*?(?:loss)[:\s]+([-+.\d]+)|\[(\d+), +\d+\] loss: ([-+.\d]+))"),
}

_CHILD = r"""
import json, re, sys, time
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
path, mode, pattern = sys.argv[1:4]
if mode == "logsense":
    import logsense
    start = time.perf_counter()
    log = logsense.parse(path)
    seconds = time.perf_counter() - start
    epochs = sum(len(r.epoch_records) for r in log.runs)
else:
    rx = re.compile(pattern)
    start = time.perf_counter()
    text = open(path, encoding="utf-8", errors="replace").read()
    epochs = sum(1 for _ in rx.finditer(text))
    seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak": status("VmHWM:"), "epochs": epochs}))
"""


def _run(path: Path, mode: str, pattern: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), mode, pattern], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{mode} on {path.name} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def _corpus(folder: str, megabytes: float) -> str:
    pieces = [p.read_text(encoding="utf-8", errors="replace") for d in sorted((FIXTURES / folder).iterdir())
              for p in (d / "tty.txt", d / "pipe.txt") if p.is_file()]
    one = "\n".join(pieces) + "\n"
    return one * max(1, round(megabytes * 1e6 / len(one.encode("utf-8"))))


def family_throughput(megabytes: float = 2.0, repeat: int = 3) -> None:
    print(f"per framework family (real captures repeated to ~{megabytes:g} MB, fresh process, median of {repeat}):")
    print(f"{'family':<18} {'MB':>5} {'baseline MB/s':>13} {'logsense MB/s':>13} {'ratio':>6} {'peak RSS':>9} "
          f"{'epochs (regex / logsense)':>26}")
    with tempfile.TemporaryDirectory(prefix="logsense-families-") as tmp:
        for name, (folder, pattern) in FAMILIES.items():
            path = Path(tmp) / f"{folder}.log"
            path.write_text(_corpus(folder, megabytes), encoding="utf-8")
            mb = path.stat().st_size / 1e6
            base = [_run(path, "baseline", pattern) for _ in range(repeat)]
            ours = [_run(path, "logsense", pattern) for _ in range(repeat)]
            b, o = statistics.median(r["seconds"] for r in base), statistics.median(r["seconds"] for r in ours)
            peak = statistics.median(r["peak"] for r in ours)
            be, oe = base[0]["epochs"], ours[0]["epochs"]
            note = "" if abs(be - oe) <= 0.01 * max(be, oe) else "  (different epoch counts: see below)"
            print(f"{name:<18} {mb:5.1f} {mb / b:13.1f} {mb / o:13.2f} {o / b:5.0f}x {peak / 2**20:7.0f}MB "
                  f"{be:>12} / {oe:<11}{note}")
            path.unlink()
    print("(the regex reads only each epoch's final values; logsense also every redraw as a step, the runs,\n"
          " Rich's carried-over values, fastai's glued cells, NaN/inf and each format's precision)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=2.0, help="size of each family's corpus in MB")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (medians are printed)")
    args = ap.parse_args(argv)
    family_throughput(args.mb, args.repeat)


if __name__ == "__main__":
    main()
