# Interpreter: a venv with torch and safetensors (docs/pytorch-crosscheck.md), e.g.
#   ~/.venvs/torch/bin/python Tests/reference/check_restorer_export.py --weights W --io IO --width C --depth D
# Loads a NoiseDA restorer export into the PyTorch reference with load_state_dict(strict=True),
# runs it on the input stored in IO ("input") and compares with NoiseDA's output ("output").
# Exit 0: equal within tolerance; 1: mismatch or load failure; 77: skipped (torch absent).
import argparse
import os
import sys

try:
    import torch
    from safetensors.torch import load_file
except ImportError as e:
    print(f"skipped: {e.name} is not installed here; see docs/pytorch-crosscheck.md to install CPU torch in a venv")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_restorer import RestorationNet, restore  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--weights", required=True, help="restorer export (.safetensors)")
parser.add_argument("--io", required=True, help="safetensors with 'input' [N,3,H,W] and NoiseDA's 'output'")
parser.add_argument("--width", type=int, required=True)
parser.add_argument("--depth", type=int, default=4)
parser.add_argument("--tolerance", type=float, default=1e-4, help="max |diff| relative to max |output|")
args = parser.parse_args()

torch.set_num_threads(1)
net = RestorationNet(depth=args.depth, wf=args.width).eval()
try:
    net.load_state_dict(load_file(args.weights), strict=True)
except RuntimeError as e:
    print(f"FAIL: the export does not load into the reference: {e}")
    sys.exit(1)
io = load_file(args.io)
with torch.no_grad():
    ours = restore(net, io["input"])
theirs = io["output"]
if ours.shape != theirs.shape:
    print(f"FAIL: PyTorch output {tuple(ours.shape)} vs NoiseDA {tuple(theirs.shape)}")
    sys.exit(1)
err = (ours - theirs).abs().max().item()
scale = theirs.abs().max().item()
print(f"max |PyTorch - NoiseDA| = {err:.3e} (max |output| = {scale:.3e}, tolerance {args.tolerance:g} relative)")
sys.exit(0 if err <= args.tolerance * max(scale, 1.0) else 1)
