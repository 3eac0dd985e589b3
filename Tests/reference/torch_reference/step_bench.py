# Interpreter: a venv with torch (docs/performance.md, "PyTorch reference": e.g. ~/.venvs/torch/bin/python).
# PyTorch reference of one NoiseDA training step on random data, timed: the vanilla step
# (Sources/Methods/DenoisingAsAdaptation/VanillaRestoration.swift), the Denoising-as-Adaptation
# step (.../DenoisingAsAdaptation.swift), with Adam on every network, or the I2SB step
# (Sources/Methods/ImageBridge/ImageToImageBridge.swift: the bridge sample, label, MSE, AdamW). It does the same
# work as `noiseda bench step`: the restorer runs once on the 2B concatenation of synthetic and
# real inputs and the diffusion net once on the 2B concatenation of positive and negative
# conditions (`--separate-passes` runs the released code's four passes instead). Prints
# seconds per step, images per second (B synthetic images per step) and peak resident memory.
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import torch_diffusion  # noqa: E402
import torch_restorer  # noqa: E402

# The presets of Sources/Layers/Networks/ModelPresets.swift: restorer width; diffusion net
# keyword arguments of torch_diffusion.DiffusionUNet (9 input channels, dropout 0.2 for DA).
RESTORERS = {"unet-t": 32, "unet-s": 64, "unet-b": 76}
DIFFUSIONS = {
    "diffusion-t": dict(inner_channel=32, channel_mults=(1, 1, 2, 2)),
    "diffusion-s": dict(inner_channel=32, channel_mults=(1, 2, 4, 4)),
    "diffusion-b": dict(inner_channel=64, channel_mults=(1, 2, 4, 8)),
    "diffusion-paper": dict(inner_channel=64, channel_mults=(1, 2, 4, 8)),
}
# I2SB's bridge network presets (3 channels in and out, dropout 0).
BRIDGES = {
    "i2sb-cpu": dict(inner_channel=32, channel_mults=(1, 2, 2), res_blocks=1, attn_res=(), groups=8, middle_attention=False),
}


def bridge_coefficients(beta_max=0.3, steps=1000):
    """(mu_x0, mu_x1, std_sb, std_fwd, t) of I2SB's symmetric schedule, float32 (algorithms.md §4.1-4.2)."""
    b = torch.linspace(1e-4 ** 0.5, (beta_max / steps) ** 0.5, steps, dtype=torch.float64) ** 2
    betas = torch.cat([b[: steps // 2], b[: steps // 2].flip(0)])
    fwd, bwd = betas.cumsum(0), betas.flip(0).cumsum(0).flip(0)
    mu_x0, mu_x1, var = bwd / (fwd + bwd), fwd / (fwd + bwd), fwd * bwd / (fwd + bwd)
    t = torch.linspace(1e-4, 1, steps) * steps
    return mu_x0.float(), mu_x1.float(), var.sqrt().float(), fwd.sqrt().float(), t


def i2sb_loss(net, x0, x1, coefficients, generator):
    """One I2SB training loss: n ~ U{0..999}, x_n from the bridge, label (x_n - x0)/sigma_n, MSE."""
    mu_x0, mu_x1, std_sb, std_fwd, t = coefficients
    n = torch.randint(0, 1000, (x0.shape[0],), generator=generator)
    c = lambda v: v[n][:, None, None, None]  # noqa: E731
    xn = c(mu_x0) * x0 + c(mu_x1) * x1 + c(std_sb) * torch.randn(x0.shape, generator=generator)
    label = (xn - x0) / c(std_fwd)
    return F.mse_loss(net(xn, t[n]), label)


def charbonnier(pred, target, eps=1e-3):
    return torch.sqrt((pred - target) ** 2 + eps * eps).mean()


def noise_levels(n, generator):
    """gamma per sample: t uniform in 1..999, gamma uniform between gamma_t and gamma_{t-1}."""
    betas = torch.linspace(1e-6, 1e-2, 1000, dtype=torch.float64)
    gammas = torch.cumprod(1 - betas, 0)
    t = torch.randint(1, 1000, (n,), generator=generator)
    u = torch.rand(n, generator=generator, dtype=torch.float64)
    return (gammas[t] + (gammas[t - 1] - gammas[t]) * u).float()


def shuffled(first, second, generator):
    """Channel shuffle f_cs: per sample, with probability 1/2, the two condition slots swap."""
    swap = (torch.rand(first.shape[0], generator=generator) < 0.5)[:, None, None, None]
    return torch.where(swap, second, first), torch.where(swap, first, second)


def conditioned(noisy, first, second, generator):
    a, b = shuffled(first, second, generator)
    return torch.cat([noisy, a, b], dim=1)


def da_losses(restorer, diffusion, xs, ys, xr, generator, margin=0.1, lam=0.2, separate=False):
    """The DA loss L_Res + lambda * L_Dif of one batch (algorithms.md §1.5)."""
    n = xs.shape[0]
    if separate:
        rs, rr = restorer(xs), restorer(xr)
    else:
        rs, rr = restorer(torch.cat([xs, xr], 0)).split([n, n], 0)
    restored_s, restored_r = xs + rs, xr + rr
    loss_res = charbonnier(restored_s, ys)
    gammas = noise_levels(n, generator)
    eps = torch.randn(ys.shape, generator=generator)
    g = gammas[:, None, None, None]
    noisy = ys * g.sqrt() + eps * (1 - g).sqrt()
    positive = conditioned(noisy, restored_s, restored_r, generator)
    negative = conditioned(noisy, xs + rr, xr + rs, generator)
    if separate:
        pred_pos, pred_neg = diffusion(positive, gammas), diffusion(negative, gammas)
    else:
        pred_pos, pred_neg = diffusion(torch.cat([positive, negative], 0), torch.cat([gammas, gammas])).split([n, n], 0)
    d_pos, d_neg = F.mse_loss(pred_pos, eps), F.mse_loss(pred_neg, eps)
    hinge = F.relu(d_pos - d_neg + margin)
    return loss_res + lam * (d_pos + hinge) * 0.5


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    p = argparse.ArgumentParser(description="Time one NoiseDA training step in PyTorch on random data.")
    p.add_argument("--restorer", default="unet-s", choices=sorted(RESTORERS))
    p.add_argument("--diffusion", default="diffusion-s", choices=sorted(DIFFUSIONS))
    p.add_argument("--method", default="da", choices=["vanilla", "da", "i2sb"])
    p.add_argument("--bridge", default="i2sb-cpu", choices=sorted(BRIDGES), help="the i2sb network preset")
    p.add_argument("--patch", type=int, default=128)
    p.add_argument("--batch", type=int, default=8, help="images per kind (synthetic pairs; as many real images)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=5, help="timed steps (after --warmup untimed ones)")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--separate-passes", action="store_true",
                   help="run the restorer and the diffusion net twice on B images, as the released code")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", help="write the result to this JSON file")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    generator = torch.Generator().manual_seed(a.seed)
    restorer = torch_restorer.RestorationNet(wf=RESTORERS[a.restorer])
    networks = [restorer]
    diffusion = bridge = None
    if a.method == "da":
        diffusion = torch_diffusion.DiffusionUNet(in_channel=9, dropout=0.2, **DIFFUSIONS[a.diffusion])
        networks.append(diffusion)
    if a.method == "i2sb":
        bridge = torch_diffusion.DiffusionUNet(in_channel=3, dropout=0, **BRIDGES[a.bridge])
        networks = [bridge]
        coefficients = bridge_coefficients()
    optimizer = torch.optim.AdamW if a.method == "i2sb" else torch.optim.Adam
    optimizers = [optimizer(net.parameters(), lr=1e-4, weight_decay=0) for net in networks]
    shape = (a.batch, 3, a.patch, a.patch)
    xs, ys, xr = torch.rand(shape), torch.rand(shape), torch.rand(shape)

    def step():
        for opt in optimizers:
            opt.zero_grad(set_to_none=True)
        if a.method == "vanilla":
            loss = charbonnier(xs + restorer(xs), ys)
        elif a.method == "i2sb":
            loss = i2sb_loss(bridge, ys, xs, coefficients, generator)
        else:
            loss = da_losses(restorer, diffusion, xs, ys, xr, generator, separate=a.separate_passes)
        loss.backward()
        for opt in optimizers:
            opt.step()
        return loss.item()

    rss = []
    for _ in range(a.warmup):
        step()
        rss.append(peak_rss_mib())
    times, cpu_times = [], []
    for _ in range(a.steps):
        start, cpu_start = time.perf_counter(), time.process_time()
        step()
        cpu_times.append(time.process_time() - cpu_start)
        times.append(time.perf_counter() - start)
        rss.append(peak_rss_mib())
    seconds = statistics.median(times)
    result = {
        "engine": "pytorch", "torch": torch.__version__, "restorer": a.restorer if a.method != "i2sb" else None,
        "diffusion": a.diffusion if a.method == "da" else None, "bridge": a.bridge if a.method == "i2sb" else None,
        "method": a.method, "patch": a.patch,
        "batch": a.batch, "threads": a.threads, "ranks": 1, "steps": a.steps,
        "separate_passes": a.separate_passes, "seconds_per_step": seconds, "step_seconds": times,
        "cpu_seconds_per_step": statistics.median(cpu_times), "step_cpu_seconds": cpu_times,
        "images_per_second": a.batch / seconds, "peak_rss_mib": rss[-1], "peak_rss_mib_per_step": rss,
    }
    nets = a.bridge if a.method == "i2sb" else a.restorer + (f" + {a.diffusion}" if a.method == "da" else "")
    print(f"pytorch {torch.__version__} {a.method} {nets}"
          + f", patch {a.patch}, batch {a.batch}, threads {a.threads}: {seconds:.3f} s/step (median of {a.steps};"
          + f" {statistics.median(cpu_times):.3f} CPU s),"
          + f" {a.batch / seconds:.2f} images/s, peak RSS {rss[-1]:.0f} MiB")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
