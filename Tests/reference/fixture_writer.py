"""fixture_writer.py: writes the PyTorch cross-check fixtures (make_crosscheck_fixtures.py,
make_i2sb_fixtures.py) as safetensors files byte for byte reproducibly, and checks that the
reference reader reads back exactly what was meant."""
import json
import struct

import torch
from safetensors.torch import load_file

DTYPES = {torch.float32: ("F32", "<f4"), torch.float64: ("F64", "<f8"), torch.int64: ("I64", "<i8")}


def save_file(tensors, path, metadata):
    """Writes `tensors` (in the given order; float32, float64, int64 or bfloat16) as safetensors
    with `metadata`. Written here rather than with safetensors.torch.save_file, whose header order
    (of the metadata in particular) changes from run to run: this way the same torch build writes
    the same bytes, and a regenerated fixture shows up in git only if its contents changed."""
    header, blobs, offset = {"__metadata__": dict(sorted(metadata.items()))}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.dtype == torch.bfloat16:
            code, data = "BF16", t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            code, np_type = DTYPES[t.dtype]
            data = t.numpy().astype(np_type).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    back = load_file(path)  # the reference reader must read back exactly what was meant
    assert list(back) and set(back) == set(tensors), path
    for k, t in tensors.items():
        assert back[k].dtype == t.dtype and torch.equal(back[k], t.detach()), (path, k)
