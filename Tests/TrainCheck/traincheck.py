#!/usr/bin/env python3
"""traincheck.py: the file-level checks of the multi-rank training scenarios (Tests/TrainCheck/
scenarios.sh): writes small test PNGs, compares checkpoints bit-for-bit or within a tolerance,
reads every checkpoint of a run folder, and checks metrics.jsonl records. Each subcommand prints
one line saying what it found and exits 1 when the property does not hold."""
import json
import struct
import sys
import zlib
from pathlib import Path

import h5py
import numpy as np


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def write_png(path, pixels):
    """8-bit RGB PNG of an [H, W, 3] uint8 array (stdlib zlib only)."""
    h, w, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    Path(path).write_bytes(png)


def images(folder, count, size, seed):
    """`count` smooth-plus-texture RGB images of `size`×`size` pixels in `folder`."""
    rng = np.random.default_rng(int(seed))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    size = int(size)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    for i in range(int(count)):
        a, b = rng.uniform(0.05, 0.6, 2)
        planes = [0.5 + 0.4 * np.sin(a * x + b * y + c) + 0.05 * rng.random((size, size)) for c in range(3)]
        pixels = np.clip(np.stack(planes, axis=-1) * 255, 0, 255).astype(np.uint8)
        write_png(folder / f"img{i:02d}.png", pixels)
    print(f"wrote {count} images of {size}x{size} to {folder}")


def arrays(path):
    """Every dataset of a checkpoint's networks (each role's group) and the per-rank states, by
    path, plus attributes."""
    out = {}
    with h5py.File(path, "r") as f:
        for role in f:
            if not isinstance(f[role], h5py.Group) or "params" not in f[role]:
                continue
            out[f"{role}@adam_step"] = np.array([f[role].attrs["adam_step"]])
            f[role].visititems(lambda name, obj, role=role: out.__setitem__(f"{role}/{name}", obj[()]) if isinstance(obj, h5py.Dataset) else None)
        out["@step"] = np.array([f.attrs["step"]])
        out["ranks"] = np.array([s.decode() if isinstance(s, bytes) else s for s in f["ranks"][()]])
    return out


def same(a, b):
    """Checkpoints `a` and `b` hold bit-identical weights, EMA, Adam state, step and rank states."""
    x, y = arrays(a), arrays(b)
    if sorted(x) != sorted(y):
        fail(f"{a} and {b} hold different datasets: {sorted(set(x) ^ set(y))}")
    differing = []
    for name in x:
        u, v = x[name], y[name]
        if u.dtype.kind == "f":
            equal = u.shape == v.shape and np.array_equal(u.view(np.uint32 if u.dtype == np.float32 else np.uint64),
                                                         v.view(np.uint32 if v.dtype == np.float32 else np.uint64))
        else:
            equal = u.shape == v.shape and np.array_equal(u, v)
        if not equal:
            differing.append(name)
    if differing:
        fail(f"{len(differing)} of {len(x)} datasets differ between {a} and {b}, e.g. {differing[:4]}")
    floats = sum(v.size for v in x.values() if v.dtype.kind == "f")
    print(f"bit-identical: {len(x)} datasets, {floats} floats ({Path(a).name})")


def flat(path, group):
    """One vector of the restorer's `group` (params datasets in name order, or adam_m)."""
    with h5py.File(path, "r") as f:
        g = f["restorer"][group]
        if isinstance(g, h5py.Dataset):
            return g[()].astype(np.float64)
        return np.concatenate([g[n][()].ravel() for n in sorted(g)]).astype(np.float64)


def close(candidate, reference, control, group, tolerance, base=None):
    """`group` of `candidate` equals `reference` within `tolerance` — max |difference| relative to
    max |reference| or, given `base` (an earlier checkpoint), to max |reference − base| (the
    size of the updates in between) — while the `control` run (other data) differs by more
    than 10 × tolerance, so the comparison can tell different updates apart."""
    tolerance = float(tolerance)
    ref = flat(reference, group)
    scale = np.abs(ref - (flat(base, group) if base else 0)).max()
    if scale == 0:
        fail(f"{group}: the reference has no {'update since ' + base if base else 'non-zero value'}; nothing to compare")
    d = np.abs(flat(candidate, group) - ref).max() / scale
    c = np.abs(flat(control, group) - ref).max() / scale
    if not d <= tolerance:
        fail(f"{group}: relative difference {d:.3g} to the reference exceeds {tolerance:g}")
    if not c > 10 * tolerance:
        fail(f"{group}: the control run differs by only {c:.3g}; the check cannot separate runs")
    print(f"{group}: relative difference {d:.3g} (≤ {tolerance:g}); control differs by {c:.3g}")


def loadable(folder):
    """Every step-*.h5 in `folder` opens and every dataset reads back; prints the newest."""
    files = sorted(Path(folder).glob("step-*.h5"))
    if not files:
        fail(f"no checkpoint in {folder}")
    for path in files:
        try:
            count = len(arrays(path))
        except Exception as error:  # any HDF5 or format error means the file is damaged
            fail(f"{path} cannot be read: {error}")
    print(f"{len(files)} checkpoints readable ({count} datasets each); newest {files[-1]}")
    return files[-1]


def records(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def verified(path, steps):
    """metrics.jsonl has a `verify` record (every rank's checksum equal) at each of steps 1…N."""
    steps = int(steps)
    found = sorted(r["step"] for r in records(path) if r["kind"] == "verify" and r["ranks"] >= 2)
    if found != list(range(1, steps + 1)):
        fail(f"verify records at steps {found}, expected 1…{steps}")
    print(f"all ranks held bit-identical parameters at steps 1…{steps}")


def skipped(path, bad, last):
    """metrics.jsonl records skipped steps exactly at `bad` (comma list), every other step up to
    `last` trained with a finite loss and passed the cross-rank check."""
    bad = sorted(int(s) for s in bad.split(","))
    rs = records(path)
    events = sorted(r["step"] for r in rs if r["kind"] == "event" and "skipped" in r.get("event", ""))
    if events != bad:
        fail(f"skip events at steps {events}, expected {bad}")
    trained = sorted(r["step"] for r in rs if r["kind"] == "train")
    expected = [s for s in range(1, int(last) + 1) if s not in bad]
    if trained != expected:
        fail(f"train records at steps {trained}, expected {expected}")
    losses = [r.get("loss_res") for r in rs if r["kind"] == "train"]
    if not all(isinstance(v, float) and np.isfinite(v) for v in losses):
        fail(f"non-finite training loss recorded: {losses}")
    checks = sorted(r["step"] for r in rs if r["kind"] == "verify")
    if checks != expected:
        fail(f"cross-rank checks at steps {checks}, expected {expected}")
    summary = [r for r in rs if r["kind"] == "summary"]
    if not summary or summary[-1]["skipped"] != len(bad):
        fail(f"summary record {summary[-1:]} does not count {len(bad)} skipped steps")
    print(f"steps {bad} skipped by every rank; steps {expected[0]}…{expected[-1]} trained, ranks identical after each")


def stopped(path):
    """The run's last summary record says it stopped on a signal; prints the step."""
    summary = [r for r in records(path) if r["kind"] == "summary"]
    if not summary or summary[-1]["stopped_by_signal"] != "true":
        fail(f"no summary record with stopped_by_signal true: {summary[-1:]}")
    print(f"stopped by signal at step {summary[-1]['step']}")


def last_step(path):
    """The highest step of a `train` record (0 when none), for polling a running job."""
    try:
        steps = [r["step"] for r in records(path) if r["kind"] == "train"]
    except (OSError, json.JSONDecodeError):
        steps = []
    print(max(steps, default=0))


if __name__ == "__main__":
    commands = {f.__name__: f for f in (images, same, close, loadable, verified, skipped, stopped, last_step)}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        fail(f"usage: traincheck.py {{{'|'.join(commands)}}} ARGS…")
    commands[sys.argv[1]](*sys.argv[2:])
