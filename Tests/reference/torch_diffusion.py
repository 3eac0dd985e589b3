# Interpreter: any Python with torch (see docs/pytorch-crosscheck.md: ~/.venvs/torch/bin/python).
# PyTorch reference of NoiseDA's diffusion net eps_theta (algorithms.md §1.3; Sources/Layers/
# Networks/DiffusionUNet.swift, ResBlock.swift, Modules/SelfAttention.swift,
# NoiseLevelEmbedding.swift): the released guided-diffusion UNet with use_scale_shift_norm,
# resblock_updown, legacy attention heads and the continuous noise-level embedding, with the
# same module layout and parameter names (cond_embed, input_blocks, middle_block,
# output_blocks, out).
import math

import torch
from torch import nn
import torch.nn.functional as F

# The presets of Sources/Layers/Networks/ModelPresets.swift (base, multipliers, res blocks,
# attention resolutions, head channels, dropout, groups, middle attention).
PRESETS = {
    "diffusion-t": dict(base=32, mults=(1, 1, 2, 2)),
    "diffusion-s": dict(base=32, mults=(1, 2, 4, 4)),
    "diffusion-b": dict(base=64, mults=(1, 2, 4, 8)),
    "diffusion-paper": dict(base=64, mults=(1, 2, 4, 8)),
    "diffusion-cpu": dict(base=32, mults=(1, 2, 2), res_blocks=1, attn_res=(), dropout=0.0, groups=8,
                          middle_attention=False),
}


def gamma_embedding(gammas, dim, max_period=10000):
    """[N] noise levels -> [N, dim]: [cos(g*f_i), sin(g*f_i)], f_i = max_period^(-i/half)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = gammas[:, None].float() * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


class ResBlock(nn.Module):
    """GN-SiLU-(resample)-conv, scale-shift by the embedding, GN-SiLU-dropout-conv, plus skip."""

    def __init__(self, channels, out_channels, emb_dim, dropout, groups, resample="none"):
        super().__init__()
        self.resample = resample
        self.in_layers = nn.Sequential(nn.GroupNorm(groups, channels), nn.SiLU(),
                                       nn.Conv2d(channels, out_channels, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, 2 * out_channels))
        self.out_layers = nn.Sequential(nn.GroupNorm(groups, out_channels), nn.SiLU(), nn.Dropout(dropout),
                                        nn.Conv2d(out_channels, out_channels, 3, padding=1))
        self.skip_connection = nn.Identity() if channels == out_channels else nn.Conv2d(channels, out_channels, 1)

    def _resampled(self, x):
        if self.resample == "down":
            return F.avg_pool2d(x, 2)
        if self.resample == "up":
            return F.interpolate(x, scale_factor=2, mode="nearest")
        return x

    def forward(self, x, emb):
        norm, act, conv = self.in_layers
        h = conv(self._resampled(act(norm(x))))
        scale, shift = self.emb_layers(emb)[:, :, None, None].chunk(2, dim=1)
        out_norm, out_act, drop, out_conv = self.out_layers
        h = out_norm(h) * (1 + scale) + shift
        h = out_conv(drop(out_act(h)))
        return self.skip_connection(self._resampled(x)) + h


class AttentionBlock(nn.Module):
    """GroupNorm, 1x1 qkv (legacy per-head [q, k, v] layout), softmax(q^T k / sqrt(d)), proj, residual."""

    def __init__(self, channels, head_channels, groups):
        super().__init__()
        self.heads = channels // head_channels
        self.norm = nn.GroupNorm(groups, channels)
        self.qkv = nn.Conv1d(channels, 3 * channels, 1)
        self.proj_out = nn.Conv1d(channels, channels, 1)

    def forward(self, x):
        n, c, h, w = x.shape
        qkv = self.qkv(self.norm(x).reshape(n, c, h * w))
        d = c // self.heads
        q, k, v = qkv.reshape(n * self.heads, 3 * d, h * w).split(d, dim=1)
        weights = torch.softmax(torch.bmm(q.transpose(1, 2), k) / math.sqrt(d), dim=2)
        a = torch.bmm(v, weights.transpose(1, 2))
        return x + self.proj_out(a.reshape(n, c, h * w)).reshape(n, c, h, w)


class EmbedSequential(nn.ModuleList):
    """Runs its layers in order; ResBlocks also get the embedding."""

    def forward(self, x, emb):
        for layer in self:
            x = layer(x, emb) if isinstance(layer, ResBlock) else layer(x)
        return x


class DiffusionUNet(nn.Module):
    """eps_theta: [N, in, H, W] and noise levels [N] -> predicted noise [N, out, H, W]."""

    def __init__(self, in_channels=9, out_channels=3, base=64, mults=(1, 2, 4, 8), res_blocks=2, attn_res=(16,),
                 head_channels=32, dropout=0.2, groups=32, middle_attention=True):
        super().__init__()
        e = 4 * base
        self.base = base

        def res(a, b, r="none"):
            return ResBlock(a, b, e, dropout, groups, r)

        def attention(c):
            return AttentionBlock(c, head_channels, groups)

        self.cond_embed = nn.Sequential(nn.Linear(base, e), nn.SiLU(), nn.Linear(e, e))
        ch = base * mults[0]
        blocks = [EmbedSequential([nn.Conv2d(in_channels, ch, 3, padding=1)])]
        skips = [ch]
        ds = 1
        for level, mult in enumerate(mults):
            for _ in range(res_blocks):
                layers = [res(ch, base * mult)]
                ch = base * mult
                if ds in attn_res:
                    layers.append(attention(ch))
                blocks.append(EmbedSequential(layers))
                skips.append(ch)
            if level != len(mults) - 1:
                blocks.append(EmbedSequential([res(ch, ch, "down")]))
                skips.append(ch)
                ds *= 2
        self.input_blocks = nn.ModuleList(blocks)
        middle = [res(ch, ch), attention(ch), res(ch, ch)] if middle_attention else [res(ch, ch), res(ch, ch)]
        self.middle_block = EmbedSequential(middle)
        blocks = []
        for level, mult in reversed(list(enumerate(mults))):
            for i in range(res_blocks + 1):
                layers = [res(ch + skips.pop(), base * mult)]
                ch = base * mult
                if ds in attn_res:
                    layers.append(attention(ch))
                if level > 0 and i == res_blocks:
                    layers.append(res(ch, ch, "up"))
                    ds //= 2
                blocks.append(EmbedSequential(layers))
        self.output_blocks = nn.ModuleList(blocks)
        self.out = nn.Sequential(nn.GroupNorm(groups, ch), nn.SiLU(), nn.Conv2d(base * mults[0], out_channels, 3, padding=1))

    def forward(self, x, gammas):
        emb = self.cond_embed(gamma_embedding(gammas, self.base))
        hs = []
        h = x
        for block in self.input_blocks:
            h = block(h, emb)
            hs.append(h)
        h = self.middle_block(h, emb)
        for block in self.output_blocks:
            h = block(torch.cat([h, hs.pop()], dim=1), emb)
        return self.out(h)


def build(preset, in_channels=9, dropout=None):
    """The DiffusionUNet of a NoiseDA preset name (dropout overrides the preset's when given)."""
    options = dict(PRESETS[preset])
    if dropout is not None:
        options["dropout"] = dropout
    return DiffusionUNet(in_channels=in_channels, **options)
