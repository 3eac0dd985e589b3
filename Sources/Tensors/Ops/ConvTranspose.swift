// ConvTranspose: conv_transpose2d with PyTorch's semantics (the adjoint of conv2d in its input),
// lowered to sgemm + col2im per image and band (ConvLowering.scatter), with its hand-written
// backward: dX = W·cols(dY), dW += X·cols(dY)ᵀ (one im2col of dY serves both), db += Σ dY.
import Kernels

/// 2-D transposed convolution as PyTorch's `ConvTranspose2d` (zero padding, dilation 1).
/// - x: `[N, C_in, H, W]`; weight: `[C_in, C_out / groups, kh, kw]`; bias: `[C_out]` or nil.
/// - Returns `[N, C_out, (H − 1)·s − 2p + kh + outputPadding, (W − 1)·s − 2p + kw + outputPadding]`;
///   `outputPadding` (< stride) picks among the output sizes that a stride-s conv2d maps to H×W.
public func convTranspose2d(
  _ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
  groups: Int = 1
) throws -> Tensor {
  let op = "convTranspose2d"
  let (n, cin, h, w, kh, kw) = try validateConvolution(
    op: op, x: x, weight: weight, stride: stride, padding: padding, groups: groups)
  guard cin % groups == 0, weight.shape[0] == cin else {
    throw TensorError.shapeMismatch(
      op: op, shapes: [x.shape, weight.shape],
      reason: "need C_in divisible by groups (\(groups)) and weight [C_in, C_out / groups, kh, kw]")
  }
  guard outputPadding >= 0, outputPadding < stride else {
    throw TensorError.invalidArgument(
      op: op, reason: "outputPadding \(outputPadding) must be >= 0 and smaller than stride \(stride)")
  }
  let coutPerGroup = weight.shape[1]
  let cout = coutPerGroup * groups
  try validateBias(op: op, bias, channels: cout)
  let oh = (h - 1) * stride - 2 * padding + kh + outputPadding
  let ow = (w - 1) * stride - 2 * padding + kw + outputPadding
  guard oh > 0, ow > 0 else {
    throw TensorError.shapeMismatch(
      op: op, shapes: [x.shape, weight.shape], reason: "give an empty output (padding \(padding) too large)")
  }
  // The conv2d whose input is this op's output: its output is H×W.
  let lowering = ConvLowering(
    batch: n, groups: groups,
    geometry: ConvGeometry(
      channels: coutPerGroup, height: oh, width: ow, kernelH: kh, kernelW: kw, stride: stride, padding: padding),
    rule: .zeros, m: cin / groups)
  precondition(lowering.geometry.outHeight == h && lowering.geometry.outWidth == w)
  let out = Tensor(uninitialized: [n, cout, oh, ow])
  if let bias {
    fillChannels(out.data, with: bias.data, batch: n, channels: cout, plane: oh * ow)
  } else {
    out.zero()
  }
  lowering.scatter(weight: weight.data, dense: x.data, image: out.data)

  let inputs = [x, weight] + (bias.map { [$0] } ?? [])
  return out.recorded(op, inputs) { g in
    if let bias, bias.requiresGrad {
      addChannelSums(g.data, into: bias.gradBuffer().data, batch: n, channels: cout, plane: oh * ow)
    }
    guard x.requiresGrad || weight.requiresGrad else { return }
    lowering.gather(
      image: g.data,
      weight: x.requiresGrad ? weight.data : nil, dense: x.requiresGrad ? x.gradBuffer().data : nil, beta: 1,
      weightGrad: weight.requiresGrad ? weight.gradBuffer().data : nil, gradSource: x.data)
  }
}
