# Interpreter: a venv with torch and safetensors (docs/pytorch-crosscheck.md). Run from the
# package root:
#   ~/.venvs/torch/bin/python Tests/reference/make_i2sb_fixtures.py
# Writes the committed fixtures of Tests/MethodsTests/BridgeCrossCheckTests.swift to
# Tests/MethodsTests/Fixtures/ (or --out). They hold I2SB's schedule, training loss and sampling
# step computed with the formulas of the authors' code (NVlabs/I2SB at AUTHORS_COMMIT:
# i2sb/runner.py make_beta_schedule, Runner.__init__, compute_label, compute_pred_x0, train;
# i2sb/diffusion.py compute_gaussian_product_coef, Diffusion, q_sample, p_posterior;
# i2sb/util.py space_indices; corruption/inpaint.py get_center_mask), re-derived here (no code
# of theirs is copied), with the network replaced by torch_diffusion.DiffusionUNet in the
# layout of NoiseDA's preset `diffusion-tiny` (3 in, 3 out channels, as method i2sb builds it).
#
#   i2sb.schedule.safetensors  float64: β_n, σ_n (std_fwd), σ̄_n (std_bwd), the marginal's
#                              coefficients and std (mu_x0, mu_x1, std_sb) at every step; the
#                              posterior's coefficients at some step pairs, in float64 and as the
#                              authors' code computes them (float32); the network's time input
#                              t_n (float32, as theirs); their space_indices step lists.
#   i2sb.weights.safetensors   the network (NoiseDA's parameter names), stored as BF16: the
#                              weights are rounded to bfloat16 before anything is computed, so
#                              the file holds exactly the values PyTorch used (in float32) at
#                              half the size of F32.
#   i2sb.io.safetensors        float32 inputs, noises and PyTorch's results: x_n and the network's
#                              prediction, the training loss (plain / centre-masked, with bridge
#                              noise and OT-ODE), the centre mask, and two sampling steps
#                              (812 -> 37 with posterior noise and OT-ODE, then 37 -> 0).
# Every file's __metadata__ carries format=noiseda-i2sb-fixture, version, the config (JSON),
# the seed and the torch version; the Swift test refuses a fixture it does not understand.
# Rerunning with the same torch build rewrites identical bytes (own writer, sorted metadata,
# fixed seeds, one thread).
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_diffusion import DiffusionUNet  # noqa: E402
from fixture_writer import save_file  # noqa: E402

FORMAT = "noiseda-i2sb-fixture"
VERSION = "1"
AUTHORS_COMMIT = "1ffdfaaf05495ef883ece2c1fe991b3049f814cc"  # github.com/NVlabs/I2SB

# Keep in step with BridgeCrossCheckTests.swift (the test checks the metadata) and with
# ModelPresets `diffusion-tiny` (the test checks that too).
INTERVAL = 1000          # opt.interval
BETA_MAX = 0.3           # opt.beta_max (JPEG, 4x SR)
T0, T1 = 1e-4, 1.0       # opt.t0, opt.T: the network's time input is linspace(t0, T, interval) * interval
NETWORK = {"in_channel": 3, "out_channel": 3, "inner_channel": 16, "channel_mults": [1, 2], "res_blocks": 1,
           "attn_res": [], "head_channels": 16, "groups": 8, "dropout": 0.0, "middle_attention": True}
SHAPE = [2, 3, 8, 12]    # batch, channels, height, width (not square, so a swapped h/w shows)
TRAIN_STEPS = [37, 812]  # one step per sample of the training loss
SAMPLE_FROM, SAMPLE_TO = 812, 37  # the sampling step x_812 -> x_37, then x_37 -> x_0
POSTERIOR_PAIRS = [(812, 37), (37, 0), (1, 0), (999, 998), (999, 500), (500, 0), (999, 899), (100, 1), (600, 599)]
NFES = [1, 2, 3, 4, 5, 7, 10, 20, 50, 100, 200]
SEED = 2023


def config():
    return {"interval": INTERVAL, "beta_max": BETA_MAX, "t0": T0, "T": T1, "network": NETWORK, "shape": SHAPE,
            "train_steps": TRAIN_STEPS, "sample_from": SAMPLE_FROM, "sample_to": SAMPLE_TO}


# ----- the authors' schedule -----

def symmetric_betas():
    """Quadratic betas from 1e-4 to beta_max/interval (float64, torch.linspace as theirs), first
    half kept and appended reversed."""
    b = torch.linspace(1e-4 ** 0.5, (BETA_MAX / INTERVAL) ** 0.5, INTERVAL, dtype=torch.float64) ** 2
    b = b.numpy()
    half = b[: INTERVAL // 2]
    return np.concatenate([half, half[::-1]])


def product_of_gaussians(s1, s2):
    """N(x | a, s1^2) * N(x | b, s2^2) ∝ N(x | c1 a + c2 b, var): (c1, c2, var)."""
    d = s1 ** 2 + s2 ** 2
    return s2 ** 2 / d, s1 ** 2 / d, s1 ** 2 * s2 ** 2 / d


class Schedule:
    def __init__(self):
        self.betas = symmetric_betas()
        self.std_fwd = np.sqrt(np.cumsum(self.betas))
        self.std_bwd = np.sqrt(np.cumsum(self.betas[::-1])[::-1])
        self.mu_x0, self.mu_x1, var = product_of_gaussians(self.std_fwd, self.std_bwd)
        self.std_sb = np.sqrt(var)
        # The authors keep these as float32 tensors and index them per step.
        f32 = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
        self.t_fwd, self.t_mu_x0, self.t_mu_x1, self.t_std_sb = map(
            f32, (self.std_fwd, self.mu_x0, self.mu_x1, self.std_sb))
        # The network's time input, float32 throughout as theirs.
        self.noise_levels = torch.linspace(T0, T1, INTERVAL) * INTERVAL

    def per_sample(self, table, steps, ndim):
        return table[steps].reshape(-1, *([1] * (ndim - 1)))

    def posterior32(self, n, nprev):
        """p(x_nprev | x_n, x0) coefficients as the authors compute them: from the float32 std_fwd
        table, in float32 arithmetic. Returns (mu_x0, mu_xn, std of the added noise): no noise is
        added when nprev is 0."""
        sn, sp = self.t_fwd[n], self.t_fwd[nprev]
        sd = (sn ** 2 - sp ** 2).sqrt()
        c0, cn, var = product_of_gaussians(sp, sd)
        return c0, cn, var.sqrt() if nprev > 0 else torch.zeros(())

    def posterior64(self, n, nprev):
        """The same in float64 from the float64 std_fwd."""
        sn, sp = self.std_fwd[n], self.std_fwd[nprev]
        sd = np.sqrt(sn ** 2 - sp ** 2)
        c0, cn, var = product_of_gaussians(sp, sd)
        return c0, cn, np.sqrt(var) if nprev > 0 else 0.0


def spaced_steps(num_steps, count):
    """`count` step indices over [0, num_steps-1]: a running float sum of the stride, each rounded
    with Python's round (half to even), as the authors' sampler chooses its steps."""
    stride = 1 if count <= 1 else (num_steps - 1) / (count - 1)
    out, position = [], 0.0
    for _ in range(count):
        out.append(round(position))
        position += stride
    return out


def center_mask(h, w):
    """1 in rows h//4 .. h//4 + h//2 - 1 and columns w//4 .. w//4 + w//2 - 1, shape [1, 1, h, w]."""
    m = torch.zeros(1, 1, h, w)
    m[..., h // 4: h // 4 + h // 2, w // 4: w // 4 + w // 2] = 1
    return m


# ----- the authors' training loss and sampling step, with the reference network -----

def training_loss(s, net, x0, x1, steps, eps, mask):
    """q_sample (eps None: OT-ODE), label (x_n - x0)/std_fwd, mse(net(x_n, t_n), label), both
    multiplied by the mask when given. Returns (loss, x_n, label, prediction)."""
    nd = x0.dim()
    xt = s.per_sample(s.t_mu_x0, steps, nd) * x0 + s.per_sample(s.t_mu_x1, steps, nd) * x1
    if eps is not None:
        xt = xt + s.per_sample(s.t_std_sb, steps, nd) * eps
    label = (xt - x0) / s.per_sample(s.t_fwd, steps, nd)
    pred = net(xt, s.noise_levels[steps])
    if mask is not None:
        return F.mse_loss(mask * pred, mask * label), xt, label, pred
    return F.mse_loss(pred, label), xt, label, pred


def sampling_step(s, net, x, n, nprev, z):
    """pred_x0 = x - std_fwd[n] * net(x, t_n); x_nprev = c0 pred_x0 + cn x (+ std z unless z is
    None, i.e. OT-ODE, or nprev is 0)."""
    steps = torch.full((x.shape[0],), n, dtype=torch.long)
    pred_x0 = x - s.per_sample(s.t_fwd, steps, x.dim()) * net(x, s.noise_levels[steps])
    c0, cn, std = s.posterior32(n, nprev)
    out = c0 * pred_x0 + cn * x
    if z is not None and nprev > 0:
        out = out + std * z
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(here, "..", "MethodsTests", "Fixtures"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    meta = {"format": FORMAT, "version": VERSION, "config": json.dumps(config(), sort_keys=True), "seed": str(SEED),
            "torch": torch.__version__, "generator": "Tests/reference/make_i2sb_fixtures.py",
            "authors": f"NVlabs/I2SB@{AUTHORS_COMMIT}"}

    s = Schedule()
    f64 = lambda a: torch.tensor(np.ascontiguousarray(a), dtype=torch.float64)  # noqa: E731
    schedule = {
        "betas": f64(s.betas), "std_fwd": f64(s.std_fwd), "std_bwd": f64(s.std_bwd),
        "mu_x0": f64(s.mu_x0), "mu_x1": f64(s.mu_x1), "std_sb": f64(s.std_sb),
        "time_input": s.noise_levels.clone(),
        "posterior.pairs": torch.tensor(POSTERIOR_PAIRS, dtype=torch.int64),
        "posterior.f64": f64([s.posterior64(n, p) for n, p in POSTERIOR_PAIRS]),
        "posterior.f32": torch.stack([torch.stack([torch.as_tensor(v, dtype=torch.float32) for v in s.posterior32(n, p)])
                                      for n, p in POSTERIOR_PAIRS]),
    }
    for nfe in NFES:
        schedule[f"indices.nfe{nfe}"] = torch.tensor(spaced_steps(INTERVAL, nfe + 1), dtype=torch.int64)
    save_file(schedule, os.path.join(args.out, "i2sb.schedule.safetensors"), meta)

    torch.manual_seed(SEED)
    g = torch.Generator().manual_seed(SEED)
    net = DiffusionUNet(**NETWORK)
    with torch.no_grad():
        for p in net.parameters():  # default init + uniform(-0.1, 0.1): no trivial biases or norm scales
            p.add_(torch.rand(p.shape, generator=g) * 0.2 - 0.1)
            p.copy_(p.to(torch.bfloat16).to(torch.float32))
    net.eval()
    save_file({k: v.to(torch.bfloat16) for k, v in net.state_dict().items()},
              os.path.join(args.out, "i2sb.weights.safetensors"), meta)

    x0 = torch.rand(SHAPE, generator=g) * 2 - 1
    x1 = torch.rand(SHAPE, generator=g) * 2 - 1
    eps = torch.randn(SHAPE, generator=g)
    mask = center_mask(SHAPE[2], SHAPE[3])
    steps = torch.tensor(TRAIN_STEPS, dtype=torch.int64)
    io = {"x0": x0, "x1": x1, "train.steps": steps, "train.noise": eps, "mask": mask}
    with torch.no_grad():
        for tag, noise in (("train", eps), ("train_ot", None)):
            loss, xt, label, pred = training_loss(s, net, x0, x1, steps, noise, None)
            masked, *_ = training_loss(s, net, x0, x1, steps, noise, mask)
            io.update({f"{tag}.xn": xt, f"{tag}.prediction": pred,
                       f"{tag}.loss": loss.reshape(1), f"{tag}.loss_masked": masked.reshape(1)})
            print(f"{tag}: loss {loss.item():.6g}, masked {masked.item():.6g}, max |prediction| "
                  f"{pred.abs().max():.4g}, max |label| {label.abs().max():.4g}")

        # The sampling step starts from a bridge sample at SAMPLE_FROM (any x would do).
        start = torch.full((SHAPE[0],), SAMPLE_FROM, dtype=torch.long)
        x = (s.per_sample(s.t_mu_x0, start, 4) * x0 + s.per_sample(s.t_mu_x1, start, 4) * x1
             + s.per_sample(s.t_std_sb, start, 4) * torch.randn(SHAPE, generator=g))
        z1 = torch.randn(SHAPE, generator=g)
        z2 = torch.randn(SHAPE, generator=g)
        mid = sampling_step(s, net, x, SAMPLE_FROM, SAMPLE_TO, z1)
        mid_ot = sampling_step(s, net, x, SAMPLE_FROM, SAMPLE_TO, None)
        # The next step ends at 0, where the authors add no noise even when not OT-ODE.
        end = sampling_step(s, net, mid, SAMPLE_TO, 0, z2)
        io.update({"sample.x": x, "sample.noise": z1, "sample.next": mid, "sample.next_ot": mid_ot,
                   "sample.last_noise": z2, "sample.last": end})
        print(f"sample: max |x_{SAMPLE_TO}| {mid.abs().max():.4g}, OT-ODE {mid_ot.abs().max():.4g}, "
              f"max |x_0| {end.abs().max():.4g}")
    save_file(io, os.path.join(args.out, "i2sb.io.safetensors"), meta)
    print(f"network: {sum(p.numel() for p in net.parameters())} parameters")


if __name__ == "__main__":
    main()
