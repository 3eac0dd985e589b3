# Interpreter: a venv with torch and safetensors (docs/pytorch-crosscheck.md).
# Loads NoiseDA DiffusionUNet parameters (safetensors) into the PyTorch reference with
# load_state_dict(strict=True), runs it in eval mode on the stored "input" and "gammas" and
# compares with NoiseDA's "output". Exit 0: equal within tolerance; 1: mismatch; 77: skipped.
import argparse
import json
import os
import sys

try:
    import torch
    from safetensors.torch import load_file
except ImportError as e:
    print(f"skipped: {e.name} is not installed here; see docs/pytorch-crosscheck.md to install CPU torch in a venv")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_diffusion import DiffusionUNet  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--weights", required=True)
parser.add_argument("--io", required=True, help="safetensors with 'input', 'gammas' and NoiseDA's 'output'")
parser.add_argument("--config", required=True, help="JSON: in_channel, inner_channel, channel_mults, res_blocks, "
                    "attn_res, head_channels, groups, middle_attention")
parser.add_argument("--tolerance", type=float, default=1e-4)
args = parser.parse_args()

torch.set_num_threads(1)
net = DiffusionUNet(**json.loads(args.config)).eval()
try:
    net.load_state_dict(load_file(args.weights), strict=True)
except RuntimeError as e:
    print(f"FAIL: the parameters do not load into the reference: {e}")
    sys.exit(1)
io = load_file(args.io)
with torch.no_grad():
    ours = net(io["input"], io["gammas"])
theirs = io["output"]
err = (ours - theirs).abs().max().item()
scale = theirs.abs().max().item()
print(f"max |PyTorch - NoiseDA| = {err:.3e} (max |output| = {scale:.3e}, tolerance {args.tolerance:g} relative)")
sys.exit(0 if ours.shape == theirs.shape and err <= args.tolerance * max(scale, 1.0) else 1)
