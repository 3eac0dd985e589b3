# Interpreter: any Python with torch (see docs/pytorch-crosscheck.md: ~/.venvs/torch/bin/python).
# PyTorch reference of NoiseDA's restorer G (algorithms.md §1.2), written from the released
# Noise-DA models/net/UNet.py so that parameter names match: a state_dict exported by
# `noiseda export --format safetensors` loads with load_state_dict(strict=True).
import torch
from torch import nn
import torch.nn.functional as F


class UNetConvBlock(nn.Module):
    """conv 3x3 -> LeakyReLU -> conv 3x3 -> LeakyReLU (names block.0, block.2)."""

    def __init__(self, in_size, out_size, slope=0.2):
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(in_size, out_size, kernel_size=3, padding=1, bias=True),
            nn.LeakyReLU(slope),
            nn.Conv2d(out_size, out_size, kernel_size=3, padding=1, bias=True),
            nn.LeakyReLU(slope),
        )

    def forward(self, x):
        return self.block(x)


class UNetUpBlock(nn.Module):
    """Bilinear x2 (align_corners) -> conv 3x3 -> concat [up, skip] -> ConvBlock."""

    def __init__(self, in_size, out_size, slope=0.2):
        super().__init__()
        self.conv_up = nn.Conv2d(in_size, out_size, kernel_size=3, padding=1, bias=True)
        self.conv_block = UNetConvBlock(in_size, out_size, slope)

    def forward(self, x, bridge):
        up = self.conv_up(F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True))
        return self.conv_block(torch.cat([up, bridge], 1))


class RestorationNet(nn.Module):
    """The residual branch R of the restorer; the restored image is x + R(x)."""

    def __init__(self, in_channels=3, out_channels=3, depth=4, wf=64, slope=0.2):
        super().__init__()
        prev = in_channels
        self.down_path = nn.ModuleList()
        for i in range(depth):
            self.down_path.append(UNetConvBlock(prev, (2**i) * wf, slope))
            prev = (2**i) * wf
        self.up_path = nn.ModuleList()
        for i in reversed(range(depth - 1)):
            self.up_path.append(UNetUpBlock(prev, (2**i) * wf, slope))
            prev = (2**i) * wf
        self.last = nn.Conv2d(prev, out_channels, kernel_size=3, padding=1, bias=True)

    def forward(self, x):
        skips = []
        for i, down in enumerate(self.down_path):
            x = down(x)
            if i != len(self.down_path) - 1:
                skips.append(x)
                x = F.avg_pool2d(x, 2)
        for i, up in enumerate(self.up_path):
            x = up(x, skips[-i - 1])
        return self.last(x)


def restore(net, x):
    """The restorer's output: x + R(x) (no clamp, as in training)."""
    return x + net(x)
