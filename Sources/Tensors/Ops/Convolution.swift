// Convolution: conv2d with PyTorch's semantics (F.conv2d plus Conv2d's padding_mode), lowered
// to im2col + sgemm per image and band of output rows (ConvLowering), with its hand-written
// backward: dX = col2im(Wᵀ·dY), dW += dY·colsᵀ, db += Σ dY. Also the FLOP count both
// convolutions and `noiseda bench ops` use.
import Kernels

/// Multiply-adds ×2 of a convolution (or of its transpose, with the roles of the sizes swapped):
/// 2 · N · C_out · outH · outW · (C_in / groups) · kh · kw. Backward costs twice that (dX and dW).
public func convolutionFLOPs(
  batch: Int, inChannels: Int, outChannels: Int, kernelH: Int, kernelW: Int, groups: Int, outHeight: Int,
  outWidth: Int
) -> Double {
  2 * Double(batch) * Double(outChannels) * Double(outHeight * outWidth) * Double(inChannels / groups)
    * Double(kernelH * kernelW)
}

/// Checks the arguments shared by conv2d and convTranspose2d and returns (N, C_in, H, W, kh, kw).
func validateConvolution(
  op: String, x: Tensor, weight: Tensor, stride: Int, padding: Int, groups: Int
) throws -> (n: Int, c: Int, h: Int, w: Int, kh: Int, kw: Int) {
  guard x.rank == 4, weight.rank == 4 else {
    throw TensorError.shapeMismatch(
      op: op, shapes: [x.shape, weight.shape], reason: "must be an input [N, C, H, W] and a 4-D weight")
  }
  guard groups >= 1 else { throw TensorError.invalidArgument(op: op, reason: "groups must be >= 1, got \(groups)") }
  guard stride >= 1 else { throw TensorError.invalidArgument(op: op, reason: "stride must be >= 1, got \(stride)") }
  guard padding >= 0 else { throw TensorError.invalidArgument(op: op, reason: "padding must be >= 0, got \(padding)") }
  let (kh, kw) = (weight.shape[2], weight.shape[3])
  guard kh >= 1, kw >= 1 else {
    throw TensorError.invalidArgument(op: op, reason: "kernel \(kh)×\(kw) of weight \(weight.shape) is empty")
  }
  return (x.shape[0], x.shape[1], x.shape[2], x.shape[3], kh, kw)
}

/// Checks that `bias` is nil or `[channels]`.
func validateBias(op: String, _ bias: Tensor?, channels: Int) throws {
  if let bias, bias.shape != [channels] {
    throw TensorError.shapeMismatch(op: op, shapes: [bias.shape, [channels]], reason: "bias must be [C_out]")
  }
}

/// 2-D convolution as PyTorch's `Conv2d` (cross-correlation).
/// - x: `[N, C_in, H, W]`; weight: `[C_out, C_in / groups, kh, kw]`; bias: `[C_out]` or nil.
/// - Returns `[N, C_out, ⌊(H + 2p − kh) / s⌋ + 1, ⌊(W + 2p − kw) / s⌋ + 1]`.
/// - `paddingMode` `.reflect` needs padding < H and < W (as PyTorch). `groups` splits input and
///   output channels into that many independent convolutions (`groups == C_in`: depthwise).
/// - `algorithm` picks the lowering (`.automatic`: by shape, see `ConvolutionAlgorithm`).
public func conv2d(
  _ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0,
  paddingMode: PaddingMode = .zeros, groups: Int = 1, algorithm: ConvolutionAlgorithm = .automatic
) throws -> Tensor {
  let op = "conv2d"
  let (n, cin, h, w, kh, kw) = try validateConvolution(
    op: op, x: x, weight: weight, stride: stride, padding: padding, groups: groups)
  let cout = weight.shape[0]
  guard cin % groups == 0, cout % groups == 0, weight.shape[1] == cin / groups else {
    throw TensorError.shapeMismatch(
      op: op, shapes: [x.shape, weight.shape],
      reason: "need C_in and C_out divisible by groups (\(groups)) and weight [C_out, C_in / groups, kh, kw]")
  }
  try validateBias(op: op, bias, channels: cout)
  guard h + 2 * padding >= kh, w + 2 * padding >= kw else {
    throw TensorError.shapeMismatch(
      op: op, shapes: [x.shape, weight.shape], reason: "kernel larger than the padded input (padding \(padding))")
  }
  if paddingMode == .reflect && (padding >= h || padding >= w) {
    throw TensorError.invalidArgument(
      op: op, reason: "reflect padding \(padding) must be smaller than the input's height and width \(h)×\(w)")
  }
  let winogradApplies = WinogradLowering.applies(
    kernelH: kh, kernelW: kw, stride: stride, padding: padding, mode: paddingMode, groups: groups)
  if algorithm == .winograd && !winogradApplies {
    throw TensorError.invalidArgument(
      op: op, reason: "Winograd needs a 3×3 kernel, stride 1, padding 1, zero borders and one group; use .automatic")
  }
  if winogradApplies && algorithm.picksWinograd(inChannels: cin, outChannels: cout, height: h, width: w) {
    return winogradConv2d(x, weight: weight, bias: bias, WinogradLowering(
      batch: n, inChannels: cin, outChannels: cout, tiles: WinogradTiles(height: h, width: w)))
  }
  let lowering = ConvLowering(
    batch: n, groups: groups,
    geometry: ConvGeometry(
      channels: cin / groups, height: h, width: w, kernelH: kh, kernelW: kw, stride: stride, padding: padding),
    rule: paddingMode.borderRule, m: cout / groups)
  let geometry = lowering.geometry
  let out = Tensor(uninitialized: [n, cout, geometry.outHeight, geometry.outWidth])
  if let bias { fillChannels(out.data, with: bias.data, batch: n, channels: cout, plane: lowering.l) }
  lowering.gather(
    image: x.data, weight: weight.data, dense: out.data, beta: bias == nil ? 0 : 1, weightGrad: nil, gradSource: nil)

  let inputs = [x, weight] + (bias.map { [$0] } ?? [])
  return out.recorded(op, inputs) { g in
    if let bias, bias.requiresGrad {
      addChannelSums(g.data, into: bias.gradBuffer().data, batch: n, channels: cout, plane: lowering.l)
    }
    if weight.requiresGrad {
      lowering.gather(
        image: x.data, weight: nil, dense: nil, beta: 0, weightGrad: weight.gradBuffer().data, gradSource: g.data)
    }
    if x.requiresGrad {
      lowering.scatter(weight: weight.data, dense: g.data, image: x.gradBuffer().data)
    }
  }
}

/// conv2d through `lowering` (3×3, stride 1, padding 1, zero borders, one group).
private func winogradConv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, _ lowering: WinogradLowering) -> Tensor {
  let (n, cout, h, w) = (lowering.batch, lowering.outChannels, lowering.tiles.height, lowering.tiles.width)
  let out = Tensor(uninitialized: [n, cout, h, w])
  lowering.forward(x: x.data, weight: weight.data, bias: bias?.data, out: out.data)
  let inputs = [x, weight] + (bias.map { [$0] } ?? [])
  return out.recorded("conv2d", inputs) { g in
    if let bias, bias.requiresGrad {
      addChannelSums(g.data, into: bias.gradBuffer().data, batch: n, channels: cout, plane: h * w)
    }
    lowering.backward(
      x: x.data, weight: weight.data, gradOut: g.data,
      weightGrad: weight.requiresGrad ? weight.gradBuffer().data : nil,
      inputGrad: x.requiresGrad ? x.gradBuffer().data : nil)
  }
}
