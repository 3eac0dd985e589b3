#!/usr/bin/python3
"""clustercheck.py: file-level checks of the cluster-on-one-machine check (Tests/ClusterCheck/
cluster.sh), beside Tests/TrainCheck/traincheck.py. Debian's h5py (/usr/bin/python3). Each
subcommand prints one line saying what it found and exits 1 when the property does not hold."""
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import h5py


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def samples(folder):
    """The multiset of samples (SHA-256 of each image of each sample) in a shard folder, after
    checking its manifest: every listed file exists once with its size and SHA-256, and no
    other shard file lies beside them."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    files = [s["file"] for s in manifest["shards"]]
    if len(files) != len(set(files)):
        fail(f"{folder}: manifest lists {[f for f, n in Counter(files).items() if n > 1]} more than once")
    on_disk = sorted(p.name for p in folder.glob("*.h5"))
    if on_disk != sorted(files):
        fail(f"{folder}: shard files {on_disk} differ from the manifest's {sorted(files)}")
    found = Counter()
    for entry in manifest["shards"]:
        data = (folder / entry["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"] or len(data) != entry["bytes"]:
            fail(f"{folder / entry['file']}: size or SHA-256 differs from the manifest")
        with h5py.File(folder / entry["file"], "r") as f:
            images = [f[name][()] for name in ("input", "target") if name in f]
            for i in range(int(f.attrs["count"])):
                found[hashlib.sha256(b"".join(a[i].tobytes() for a in images)).hexdigest()] += 1
    if sum(found.values()) != manifest["count"]:
        fail(f"{folder}: {sum(found.values())} samples in the shards, the manifest says {manifest['count']}")
    return manifest, found


def shards(single, parallel, ranks):
    """`parallel` (converted by RANKS ranks) holds exactly the samples of `single` (one rank),
    each once, in shards written by every rank."""
    one, a = samples(single)
    many, b = samples(parallel)
    if a != b:
        fail(f"{parallel} holds {sum(b.values())} samples, {len(b - a)} not in {single}; {single} holds {len(a - b)} not in {parallel}")
    writers = sorted({s["file"].split("-")[1] for s in many["shards"]})
    if writers != [f"r{r:03d}" for r in range(int(ranks))]:
        fail(f"{parallel}: shards written by {writers}, expected every one of {ranks} ranks")
    print(f"{len(many['shards'])} shards from {ranks} ranks ({', '.join(writers)}), each listed once; "
          f"the same {sum(b.values())} samples as one rank's conversion")


def verified(path, steps, ranks):
    """metrics.jsonl has a `verify` record of RANKS ranks (every rank's checksum equal) at each
    step 1…STEPS."""
    records = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    found = sorted(r["step"] for r in records if r["kind"] == "verify" and r["ranks"] == int(ranks))
    if found != list(range(1, int(steps) + 1)):
        fail(f"verify records of {ranks} ranks at steps {found}, expected 1…{steps}")
    print(f"all {ranks} ranks held bit-identical parameters at steps 1…{steps}")


if __name__ == "__main__":
    commands = {f.__name__: f for f in (shards, verified)}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        fail(f"usage: clustercheck.py {{{'|'.join(commands)}}} ARGS…")
    commands[sys.argv[1]](*sys.argv[2:])
