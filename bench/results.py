"""Every benchmark in one run: bench/RESULTS.md with each script's own report, the machine
it ran on, and two plots (grid latency by ticket count, delivery latency by subscribers).

    .venv/bin/pip install -e '.[bench]'        # matplotlib, for the plots
    .venv/bin/python bench/results.py [--postgres postgres://postgres@127.0.0.1:5432/postgres]
        [--quick]                              # small sizes: checks the run, not the targets

Each step runs one script of bench/ as a subprocess (so each starts its servers afresh) with
`--json`; its printed report goes verbatim into RESULTS.md, its figures into the plots.
Without --postgres the PostgreSQL steps are left out (and RESULTS.md says so)."""

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
STEP_SECONDS = 1800  # no step may take longer
ROOT = BENCH.parent


@dataclass
class Step:
    title: str
    script: str
    args: list[str]
    postgres: bool = False  # gets --database-url
    figures: str | None = None  # the --json name, for the plots


def steps(quick: bool) -> list[Step]:
    sizes = "300,2000" if quick else "2000,20000,200000,1000000"
    pg_sizes = "300,2000" if quick else "2000,1000000"
    fanout = (100, 300) if quick else (1000, 5000, 10000)
    requests = "50" if quick else "200"
    found = [
        Step("Grid page over HTTP, SQLite", "grid.py", ["--requests", requests]),
        Step("Grid page over HTTP, PostgreSQL", "grid.py", ["--requests", requests], True),
        Step(
            "First page of every filter and sort by ticket count, SQLite",
            "filters.py",
            ["--sizes", sizes],
            figures="filters-sqlite",
        ),
        Step(
            "First page of every filter and sort by ticket count, PostgreSQL",
            "filters.py",
            ["--sizes", pg_sizes],
            True,
            figures="filters-postgres",
        ),
        Step(
            "Loading the demo, SQLite",
            "demo_load.py",
            ["--tickets", "20000" if quick else "1000000"],
        ),
        Step(
            "Server memory per idle subscribed socket",
            "sockets.py",
            ["--sockets", "300" if quick else "2000"],
        ),
    ]
    found += [
        Step(
            f"Fan-out to {n} subscribers",
            "fanout.py",
            ["--subscribers", str(n), "--baseline", "--events", "20"],
            figures=f"fanout-{n}",
        )
        for n in fanout
    ]
    return found


def machine() -> list[str]:
    cpu = "?"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        memory_kib = int(info.readline().split()[1])
    return [
        f"- {os.cpu_count()} cores, {cpu}, {memory_kib / 1024 / 1024:.1f} GiB RAM",
        f"- {platform.platform()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}",
    ]


def run_step(step: Step, folder: Path, postgres: str | None) -> tuple[str, dict | None]:
    command = [sys.executable, str(BENCH / step.script), *step.args]
    if step.postgres:
        command += ["--database-url", postgres or ""]
    figures_path = folder / f"{step.figures}.json" if step.figures else None
    if figures_path:
        command += ["--json", str(figures_path)]
    started = time.monotonic()
    print(f"results: {step.title} ...", flush=True)
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=STEP_SECONDS
        )
        report = done.stdout.strip()
        if done.returncode:
            report += f"\n\nFAILED (exit {done.returncode}):\n{done.stderr.strip()[-3000:]}"
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout.decode() if isinstance(expired.stdout, bytes) else expired.stdout
        report = (out or "").strip() + f"\n\nSTOPPED after {STEP_SECONDS} s"
    took = time.monotonic() - started
    report += f"\n\n(step took {took:.0f} s)"
    figures = (
        json.loads(figures_path.read_text()) if figures_path and figures_path.exists() else None
    )
    return report, figures


# Cases drawn in the grid plot: the default pages and the searches that used to scan.
PLOTTED = (
    "customer/default (open tickets)",
    "agent/default (open tickets)",
    "agent/organization, wildcard",
    "agent/primary contact, wildcard",
    "agent/summary keyword",
    "agent/sort priority desc",
)


def plot_grid(figures: dict[str, dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Left: the median itself against the 50 ms target. Right: the same median over its
    # baseline, the same page at the smallest size (2,000 tickets), against the 3x target.
    fig, (ax, ratio) = plt.subplots(1, 2, figsize=(13, 5))
    for name, data in figures.items():
        sizes = data["sizes"]
        style = "-" if "sqlite" in name else "--"
        for i, case in enumerate(PLOTTED):  # a case's colour, the database's line style
            values = [data["medians"][str(n)][case] * 1000 for n in sizes]
            look = {"marker": "o", "color": f"C{i}", "label": f"{case} ({data['database']})"}
            ax.plot(sizes, values, style, **look)
            ratio.plot(sizes, [v / values[0] for v in values], style, **look)
    ax.axhline(50, color="red", linewidth=1, label="target: 50 ms")
    ratio.axhline(3, color="red", linewidth=1, label="target: 3x the smallest")
    for axis in (ax, ratio):
        axis.set_xscale("log")
        axis.set_xlabel("tickets in the help desk")
    ax.set_ylabel("median first page (50 tickets, with totalCount), ms")
    ratio.set_ylabel("median / the same page at the smallest size")
    ax.set_title("Grid latency by ticket count")
    ratio.set_title("Beside its baseline: the same page at 2,000 tickets")
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def plot_fanout(figures: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from common import percentile

    figures = sorted(figures, key=lambda f: f["subscribers"])
    counts = [f["subscribers"] for f in figures]
    fig, ax = plt.subplots(figsize=(8, 5))
    for who, style in (("helpdesk", "-"), ("baseline", "--")):
        for label, p in (("median", 50), ("p99", 99)):
            values = [percentile(f[who]["all_delivered"], p) * 1000 for f in figures]
            ax.plot(counts, values, style, marker="o", label=f"{who} {label}")
    ax.set_xlabel("subscribers")
    ax.set_ylabel("one change delivered to all, ms")
    ax.set_title("Live fan-out: ours beside a bare websocket broadcast")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="a PostgreSQL server for the PostgreSQL steps")
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the run")
    parser.add_argument("--out", default=str(BENCH / "RESULTS.md"), help="default: %(default)s")
    args = parser.parse_args()
    out = Path(args.out)
    started = time.monotonic()
    lines = [
        "# Benchmark results",
        "",
        f"One run of `bench/results.py{' --quick' if args.quick else ''}`, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, on:",
        "",
        *machine(),
        "",
        "Each section is the script's own report; the ratios are against the baseline run "
        "beside it in the same step.",
        "",
    ]
    grid_figures: dict[str, dict] = {}
    fanout_figures: list[dict] = []
    sys.path.insert(0, str(BENCH))
    with tempfile.TemporaryDirectory(prefix="helpdesk-results-") as folder:
        for step in steps(args.quick):
            lines += [f"## {step.title}", ""]
            if step.postgres and not args.postgres:
                lines += ["Not run: no `--postgres` server given.", ""]
                continue
            report, figures = run_step(step, Path(folder), args.postgres)
            lines += [
                f"`.venv/bin/python bench/{step.script} {' '.join(step.args)}`",
                "",
                "```",
                report,
                "```",
                "",
            ]
            if figures and step.script == "filters.py":
                grid_figures[step.figures or ""] = figures
            elif figures and step.script == "fanout.py":
                fanout_figures.append(figures)
    lines += ["## Plots", ""]
    if grid_figures:
        plot_grid(grid_figures, out.with_name("grid-latency.png"))
        lines += ["![Grid latency by ticket count](grid-latency.png)", ""]
    if fanout_figures:
        plot_fanout(fanout_figures, out.with_name("fanout-latency.png"))
        lines += ["![Fan-out latency by subscribers](fanout-latency.png)", ""]
    lines.append(f"(whole run: {(time.monotonic() - started) / 60:.0f} minutes)")
    out.write_text("\n".join(lines) + "\n")
    print(f"results: wrote {out}")


if __name__ == "__main__":
    main()
