#!/usr/bin/python3
"""checkpoint-digests.py: the SHA-256 of every dataset and attribute of a NoiseDA checkpoint (HDF5),
by path; with two checkpoints, whether they are bit-identical and, if not, which entries differ.
Uses Debian's h5py (/usr/bin/python3). Used by launch/checkpoint-identity.sh.
Usage: checkpoint-digests.py A.h5 [B.h5] [--label NAME]"""
import argparse
import hashlib
import sys

import h5py
import numpy as np


def digests(path):
    """{"/group/dataset": sha256, "/group@attr": sha256} over the whole file."""
    out = {}

    def add_attributes(name, obj):
        for key, value in obj.attrs.items():
            out[f"/{name}@{key}"] = hashlib.sha256(np.asarray(value).tobytes()).hexdigest()

    def visit(name, obj):
        add_attributes(name, obj)
        if isinstance(obj, h5py.Dataset):
            value = obj[()]
            data = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in value) if value.dtype == object else np.asarray(value).tobytes()
            out[f"/{name}"] = hashlib.sha256(data + str(obj.shape).encode() + str(obj.dtype).encode()).hexdigest()

    with h5py.File(path, "r") as f:
        add_attributes("", f)
        f.visititems(visit)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b", nargs="?")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    a = digests(args.a)
    if args.b is None:
        for key in sorted(a):
            print(a[key], key)
        return 0
    b = digests(args.b)
    label = args.label or f"{args.a} vs {args.b}"
    differing = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    if not differing:
        print(f"identical  {label}: {len(a)} datasets and attributes, same SHA-256")
        return 0
    shown = ", ".join(differing[:8]) + (f" and {len(differing) - 8} more" if len(differing) > 8 else "")
    print(f"DIFFERENT  {label}: {len(differing)} of {len(a.keys() | b.keys())} entries differ: {shown}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
