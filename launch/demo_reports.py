"""demo_reports.py: what the demos' report scripts share (launch/demo-*-report.py import it from
this folder): the training wall-clock times a demo records in runs/timing.tsv, and the mean scores
of a `noiseda eval --json` report."""
import json
from pathlib import Path


def training_seconds(runs):
    """Wall-clock seconds per run name from RUNS/timing.tsv (name, start, end per line)."""
    out = {}
    for line in (Path(runs) / "timing.tsv").read_text().splitlines()[1:]:
        name, start, end = line.split("\t")
        out[name] = float(end) - float(start)
    return out


def eval_mean(path):
    """(PSNR, SSIM) on RGB of one `noiseda eval` JSON's mean."""
    mean = json.loads(Path(path).read_text())["mean"]
    return mean["psnrRGB"], mean["ssimRGB"]


def eval_images(path):
    """Per-image (PSNR, SSIM) on RGB of one `noiseda eval` JSON."""
    return [(i["psnrRGB"], i["ssimRGB"]) for i in json.loads(Path(path).read_text())["images"]]
