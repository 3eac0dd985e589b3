// ConvolutionAlgorithm: which lowering conv2d uses — im2col + sgemm (ConvLowering, every
// convolution) or Winograd F(2×2, 3×3) (WinogradLowering, 3×3 stride-1 padding-1 zero-border
// convolutions) — and the shape rule behind `.automatic`, taken from `noiseda bench ops
// --algorithm` measurements (docs/performance.md, "How conv2d is lowered").

/// The lowering of a 2-D convolution.
public enum ConvolutionAlgorithm: String, CaseIterable, Sendable {
  /// Winograd where it applies and the shape is one where it measured faster, else im2col.
  case automatic
  /// im2col + sgemm.
  case im2col
  /// Winograd F(2×2, 3×3); conv2d throws for a convolution it does not apply to.
  case winograd

  /// Whether a convolution this lowering applies to should take Winograd. Measured (bench ops,
  /// batch 8 and 16, 1 and 2 threads): Winograd is 10–40 % faster forward+backward from 64
  /// channels at 8×8 to 32×32, about even at 64×64, and slower at 32 channels or 128×128,
  /// where its transforms (memory passes over 4× the image) outweigh the saved multiplies.
  func picksWinograd(inChannels: Int, outChannels: Int, height: Int, width: Int) -> Bool {
    switch self {
    case .im2col: return false
    case .winograd: return true
    case .automatic: return min(inChannels, outChannels) >= 64 && height * width <= 64 * 64
    }
  }
}
