# Interpreter: a venv with torch and safetensors (docs/pytorch-crosscheck.md). Run from the
# package root:
#   ~/.venvs/torch/bin/python Tests/reference/make_crosscheck_fixtures.py
# Writes the committed fixtures of TorchCrossCheckTests' torch-free tests to
# Tests/LayersTests/Fixtures/ (or --out): for the restorer and for the diffusion net, a
# `*.weights.safetensors` (a PyTorch state_dict with NoiseDA's parameter names) and a
# `*.io.safetensors` (the input, the gammas for the diffusion net, and PyTorch's eval-mode
# output). Each file's `__metadata__` carries format=noiseda-crosscheck-fixture, version, the
# network and its config, so the Swift test refuses a fixture it does not understand.
# The weights are PyTorch's default initialisation plus uniform(-0.1, 0.1) on every value
# (seeded), so biases and GroupNorm scales/shifts are not their trivial 0/1 defaults.
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_diffusion import DiffusionUNet  # noqa: E402
from torch_restorer import RestorationNet, restore  # noqa: E402
from fixture_writer import save_file  # noqa: E402

FORMAT = "noiseda-crosscheck-fixture"
VERSION = "1"

# Configs: keep in step with TorchCrossCheckTests.swift (the test checks the metadata).
RESTORER = {"width": 8, "depth": 3}
RESTORER_INPUT = [2, 3, 24, 40]
# The live test's diffusion layout (three levels, two ResBlocks each, attention at
# downsampling 2 and in the middle, several heads, several channels per GroupNorm group) at
# a quarter of its width (base 4 instead of 16): base 16 makes a 1.9 MB weight file, base 4
# about 150 KB.
DIFFUSION = {"in_channel": 9, "inner_channel": 4, "channel_mults": [1, 2, 2], "res_blocks": 2, "attn_res": [2],
             "head_channels": 4, "groups": 2, "dropout": 0.2, "middle_attention": True}
DIFFUSION_INPUT = [2, 9, 8, 12]
GAMMAS = [0.93, 0.0421]


def perturbed(net, generator):
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.rand(p.shape, generator=generator) * 0.2 - 0.1)
    return net.eval()


def metadata(network, config, seed):
    return {"format": FORMAT, "version": VERSION, "network": network, "config": json.dumps(config, sort_keys=True),
            "seed": str(seed), "torch": torch.__version__,
            "generator": "Tests/reference/make_crosscheck_fixtures.py"}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(here, "..", "LayersTests", "Fixtures"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    seed = 21
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    net = perturbed(RestorationNet(depth=RESTORER["depth"], wf=RESTORER["width"]), g)
    x = torch.rand(RESTORER_INPUT, generator=g)
    with torch.no_grad():
        y = restore(net, x)
    meta = metadata("RestorerUNet", RESTORER, seed)
    save_file(net.state_dict(), os.path.join(args.out, "restorer.weights.safetensors"), metadata=meta)
    save_file({"input": x, "output": y}, os.path.join(args.out, "restorer.io.safetensors"), metadata=meta)
    print(f"restorer: {sum(p.numel() for p in net.parameters())} parameters, max |output| {y.abs().max():.4g}")

    seed = 31
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    net = perturbed(DiffusionUNet(**DIFFUSION), g)
    x = torch.randn(DIFFUSION_INPUT, generator=g)
    gammas = torch.tensor(GAMMAS, dtype=torch.float32)
    with torch.no_grad():
        y = net(x, gammas)
    meta = metadata("DiffusionUNet", DIFFUSION, seed)
    save_file(net.state_dict(), os.path.join(args.out, "diffusion.weights.safetensors"), metadata=meta)
    save_file({"input": x, "gammas": gammas, "output": y}, os.path.join(args.out, "diffusion.io.safetensors"),
              metadata=meta)
    print(f"diffusion: {sum(p.numel() for p in net.parameters())} parameters, max |output| {y.abs().max():.4g}")


if __name__ == "__main__":
    main()
