#!/usr/bin/env python3
"""Prints the study's table (docs/method.md, "The study") from the run folders of launch/study.sh.

For each run: what it changes in cluster/configs/study.yaml, steps done, training wall time, seconds
per step, the EMA restorer's PSNR on the real-world and synthetic splits (noiseda eval on the last
checkpoint; the last in-training validation while a run is still going) and on the wider real-world
split (val-wide, eight more photos; once scored), DA − vanilla on the real-world split at the last
validation step both share (vanilla with the same seed, restorer, synthetic pairs and patch size),
and the DA diagnostics of the last logged window (with --since STEP: their medians over the
windows logged from STEP on, and for "hinge active" the fraction of the steps from STEP on). Then
the real-world validation PSNR against step for every run (the curves), the same for each DA run
minus its vanilla run (and on val-wide), and, with matplotlib, a PNG of the curves (RUNS/psnr.png).
Usage: launch/study-report.py --runs RUNS_DIR [--since STEP]
"""
import argparse
import json
import os
import re
import statistics


DIAGNOSTICS = ("lambda", "hinge_active", "d_pos", "d_neg", "grad_res", "grad_dif", "real_slot_change")


def read_run(folder, since):
    """The metrics, settings and scores of one run folder, or None when it has not started; the
    diagnostics of the last logged window, or their medians from step `since` on."""
    metrics = os.path.join(folder, "metrics.jsonl")
    if not os.path.exists(metrics):
        return None
    train, val = [], {}
    with open(metrics) as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("kind") == "train":
                if train and record["step"] <= train[-1]["step"]:
                    # A resume by a binary that kept the records logged after its checkpoint:
                    # the later records of the abandoned steps replace the earlier ones.
                    train = [r for r in train if r["step"] < record["step"]]
                    val = {s: v for s, v in val.items() if s < record["step"]}
                train.append(record)
            elif record.get("kind") == "val":
                val[record["step"]] = record["psnr_rgb"]
    if not train:
        return None
    config = open(os.path.join(folder, "config.yaml")).read()
    setting = lambda key: re.search(r"^\s+%s:\s*(\S+)" % key, config, re.M).group(1).strip('"')
    overrides_file = os.path.join(folder, "overrides.txt")
    overrides = open(overrides_file).read().strip() if os.path.exists(overrides_file) else ""
    scores = {}
    for split in ("val", "val-awgn", "val-wide"):
        path = os.path.join(folder, "eval-%s.json" % split)
        if os.path.exists(path):
            scores[split] = json.load(open(path))["mean"]["psnrRGB"]
    def diagnostic(key):
        if since is None:
            return next((r[key] for r in reversed(train) if key in r), None)
        if key == "hinge_active":
            # A fraction of steps: weight each window by the steps it logs, i.e. the fraction of all
            # steps from `since` on whose hinge was active.
            windows = [(r[key], r["step"] - q["step"]) for q, r in zip(train, train[1:])
                       if key in r and r["step"] >= since]
            steps = sum(n for _, n in windows)
            return sum(h * n for h, n in windows) / steps if steps else None
        values = [r[key] for r in train if key in r and r["step"] >= since]
        return statistics.median(values) if values else None
    # Wall time: sum of the gaps between consecutive records, leaving out pauses between sittings.
    times = [r["time"] for r in train]
    gaps = [b - a for a, b in zip(times, times[1:])]
    usual = statistics.median(gaps) if gaps else 0
    wall = sum(g for g in gaps if g < 20 * usual + 600)
    return {
        "name": os.path.basename(folder),
        "method": re.search(r"^method:\n\s+name:\s*\"?([\w-]+)", config, re.M).group(1),
        "restorer": setting("restorer"), "seed": setting("seed"), "pairs": setting("pairs"),
        "patch": int(setting("patch")), "target": int(setting("steps")), "threads": setting("threads"),
        "overrides": overrides, "steps": train[-1]["step"], "wall_h": wall / 3600,
        "step_s": statistics.median(r["step_s"] for r in train), "val": val, "scores": scores,
        "diag": {k: diagnostic(k) for k in DIAGNOSTICS},
    }


def fmt(value, digits=2):
    return "" if value is None else ("%.*f" % (digits, value))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", required=True)
    parser.add_argument("--since", type=int, help="diagnostics: medians over the windows from this step on (hinge active: the fraction of those steps)")
    arguments = parser.parse_args()
    runs_dir = arguments.runs
    runs = {}
    for name in sorted(os.listdir(runs_dir)):
        folder = os.path.join(runs_dir, name)
        if os.path.isdir(folder):
            run = read_run(folder, arguments.since)
            if run:
                runs[name] = run
    if not runs:
        print("study: no run has logged a step yet in %s" % runs_dir)
        return

    def vanilla_for(run):
        """The vanilla run with the same seed, restorer, synthetic pairs and patch size, of the same
        length if there is one."""
        paired = ("seed", "restorer", "pairs", "patch")
        same = [v for v in runs.values() if v["method"] == "vanilla" and all(v[k] == run[k] for k in paired)]
        return next((v for v in same if v["target"] == run["target"]), same[0] if same else None)

    print("| run | changes to study.yaml | steps | wall h | s/step | real PSNR | synthetic PSNR "
          "| real PSNR, val-wide | DA − vanilla (real, step) | λ | hinge active | d_pos | d_neg | ‖∇‖ dif/res | real-slot change |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, run in runs.items():
        real = run["scores"].get("val")
        if real is None and run["val"]:
            real = run["val"][max(run["val"])]
        delta = ""
        reference = vanilla_for(run)
        if run["method"] != "vanilla" and reference:
            shared = sorted(set(run["val"]) & set(reference["val"]))
            if shared:
                s = shared[-1]
                delta = "%+.2f (%d)" % (run["val"][s] - reference["val"][s], s)
        d = run["diag"]
        ratio = d["grad_dif"] / d["grad_res"] if d["grad_dif"] is not None and d["grad_res"] else None
        steps = "%d" % run["steps"] + ("" if run["steps"] >= run["target"] else " of %d" % run["target"])
        print("| %s | %s | %s | %.2f | %.3f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name, run["overrides"] or "—", steps, run["wall_h"], run["step_s"],
            fmt(real) + ("*" if real is not None and "val" not in run["scores"] else ""), fmt(run["scores"].get("val-awgn")),
            fmt(run["scores"].get("val-wide")), delta,
            fmt(d["lambda"], 3), fmt(d["hinge_active"], 3), fmt(d["d_pos"], 4), fmt(d["d_neg"], 4), fmt(ratio),
            fmt(d["real_slot_change"])))
    print("\n\\* last in-training validation (run not finished); otherwise `noiseda eval` of the last checkpoint (EMA).")

    steps = sorted({s for run in runs.values() for s in run["val"]})
    shown = [s for s in steps if s % 1000 == 0] or steps
    if not shown:
        print("\nNo run has reached its first validation yet.")
        return
    print("\nReal-world validation PSNR (dB, EMA weights) against step:\n")
    print("| run | " + " | ".join(str(s) for s in shown) + " |")
    print("| --- |" + " ---: |" * len(shown))
    for name, run in runs.items():
        print("| %s | " % name + " | ".join(fmt(run["val"].get(s)) for s in shown) + " |")

    print("\nEach run minus its vanilla run (same seed, restorer, pairs and patch), real-world validation"
          " PSNR (dB) against step:\n")
    print("| run | vanilla run | " + " | ".join(str(s) for s in shown) + " | val-wide |")
    print("| --- | --- |" + " ---: |" * (len(shown) + 1))
    for name, run in runs.items():
        reference = vanilla_for(run)
        if run["method"] == "vanilla" or not reference:
            continue
        differences = [run["val"][s] - reference["val"][s] if s in run["val"] and s in reference["val"] else None
                       for s in shown]
        wide = [r["scores"].get("val-wide") for r in (run, reference)]
        differences.append(wide[0] - wide[1] if None not in wide else None)
        print("| %s | %s | " % (name, reference["name"]) +
              " | ".join("" if d is None else "%+.2f" % d for d in differences) + " |")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    figure, axes = plt.subplots(figsize=(8, 5))
    for name, run in runs.items():
        points = sorted(run["val"].items())
        axes.plot([p[0] for p in points], [p[1] for p in points], label=name,
                  linestyle="--" if run["method"] == "vanilla" else "-")
    axes.set_xlabel("step")
    axes.set_ylabel("real-world validation PSNR (dB)")
    axes.legend(fontsize="small")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(os.path.join(runs_dir, "psnr.png.tmp.png"))
    os.replace(os.path.join(runs_dir, "psnr.png.tmp.png"), os.path.join(runs_dir, "psnr.png"))
    print("\nplot: %s" % os.path.join(runs_dir, "psnr.png"))


if __name__ == "__main__":
    main()
