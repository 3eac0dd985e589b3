# Interpreter: any Python with torch (docs/pytorch-crosscheck.md: ~/.venvs/torch/bin/python).
# PyTorch reference of NoiseDA's diffusion noise predictor (algorithms.md §1.3), written from
# the released Noise-DA guided-diffusion UNet (scale-shift ResBlocks, resblock up/down, legacy
# attention head layout) so that parameter names and shapes match NoiseDA's DiffusionUNet.
import math

import torch
from torch import nn
import torch.nn.functional as F


def gamma_embedding(gammas, dim, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(0, half, dtype=torch.float32) / half)
    args = gammas[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class ResBlock(nn.Module):
    def __init__(self, ch, emb, out, groups, dropout, updown=None):
        super().__init__()
        self.updown = updown
        self.in_layers = nn.Sequential(nn.GroupNorm(groups, ch), nn.SiLU(), nn.Conv2d(ch, out, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb, 2 * out))
        self.out_layers = nn.Sequential(
            nn.GroupNorm(groups, out), nn.SiLU(), nn.Dropout(dropout), nn.Conv2d(out, out, 3, padding=1))
        self.skip_connection = nn.Identity() if ch == out else nn.Conv2d(ch, out, 1)

    def resample(self, x):
        if self.updown == "down":
            return F.avg_pool2d(x, 2)
        if self.updown == "up":
            return F.interpolate(x, scale_factor=2, mode="nearest")
        return x

    def forward(self, x, emb):
        h = self.in_layers[2](self.resample(self.in_layers[1](self.in_layers[0](x))))
        x = self.resample(x)
        scale, shift = torch.chunk(self.emb_layers(emb)[..., None, None], 2, dim=1)
        h = self.out_layers[0](h) * (1 + scale) + shift
        return self.skip_connection(x) + self.out_layers[1:](h)


class AttentionBlock(nn.Module):
    def __init__(self, ch, head_channels, groups):
        super().__init__()
        self.heads = ch // head_channels
        self.norm = nn.GroupNorm(groups, ch)
        self.qkv = nn.Conv1d(ch, 3 * ch, 1)
        self.proj_out = nn.Conv1d(ch, ch, 1)

    def forward(self, x):
        b, c, *spatial = x.shape
        x = x.reshape(b, c, -1)
        qkv = self.qkv(self.norm(x))
        bs, width, length = qkv.shape
        ch = width // (3 * self.heads)
        q, k, v = qkv.reshape(bs * self.heads, ch * 3, length).split(ch, dim=1)
        scale = 1 / math.sqrt(math.sqrt(ch))
        w = torch.softmax(torch.einsum("bct,bcs->bts", q * scale, k * scale), dim=-1)
        a = torch.einsum("bts,bcs->bct", w, v).reshape(bs, -1, length)
        return (x + self.proj_out(a)).reshape(b, c, *spatial)


class EmbedSequential(nn.Sequential):
    def forward(self, x, emb):
        for layer in self:
            x = layer(x, emb) if isinstance(layer, ResBlock) else layer(x)
        return x


class DiffusionUNet(nn.Module):
    def __init__(self, in_channel=9, inner_channel=64, out_channel=3, res_blocks=2, attn_res=(16,),
                 dropout=0.2, channel_mults=(1, 2, 4, 8), head_channels=32, groups=32, middle_attention=True):
        super().__init__()
        self.inner = inner_channel
        emb = inner_channel * 4
        self.cond_embed = nn.Sequential(nn.Linear(inner_channel, emb), nn.SiLU(), nn.Linear(emb, emb))
        ch = channel_mults[0] * inner_channel
        self.input_blocks = nn.ModuleList([EmbedSequential(nn.Conv2d(in_channel, ch, 3, padding=1))])
        chans, ds = [ch], 1
        for level, mult in enumerate(channel_mults):
            for _ in range(res_blocks):
                layers = [ResBlock(ch, emb, mult * inner_channel, groups, dropout)]
                ch = mult * inner_channel
                if ds in attn_res:
                    layers.append(AttentionBlock(ch, head_channels, groups))
                self.input_blocks.append(EmbedSequential(*layers))
                chans.append(ch)
            if level != len(channel_mults) - 1:
                self.input_blocks.append(EmbedSequential(ResBlock(ch, emb, ch, groups, dropout, "down")))
                chans.append(ch)
                ds *= 2
        mid = [ResBlock(ch, emb, ch, groups, dropout)]
        if middle_attention:
            mid.append(AttentionBlock(ch, head_channels, groups))
        mid.append(ResBlock(ch, emb, ch, groups, dropout))
        self.middle_block = EmbedSequential(*mid)
        self.output_blocks = nn.ModuleList()
        for level, mult in list(enumerate(channel_mults))[::-1]:
            for i in range(res_blocks + 1):
                layers = [ResBlock(ch + chans.pop(), emb, inner_channel * mult, groups, dropout)]
                ch = inner_channel * mult
                if ds in attn_res:
                    layers.append(AttentionBlock(ch, head_channels, groups))
                if level and i == res_blocks:
                    layers.append(ResBlock(ch, emb, ch, groups, dropout, "up"))
                    ds //= 2
                self.output_blocks.append(EmbedSequential(*layers))
        self.out = nn.Sequential(nn.GroupNorm(groups, ch), nn.SiLU(),
                                 nn.Conv2d(channel_mults[0] * inner_channel, out_channel, 3, padding=1))

    def forward(self, x, gammas):
        emb = self.cond_embed(gamma_embedding(gammas.view(-1), self.inner))
        hs, h = [], x
        for block in self.input_blocks:
            h = block(h, emb)
            hs.append(h)
        h = self.middle_block(h, emb)
        for block in self.output_blocks:
            h = block(torch.cat([h, hs.pop()], dim=1), emb)
        return self.out(h)
