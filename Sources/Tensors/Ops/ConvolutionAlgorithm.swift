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

  /// Whether a convolution this lowering applies to should take Winograd. Measured (bench ops
  /// --algorithm, batch 8, 1 and 2 threads; docs/performance.md "im2col against Winograd, per
  /// shape"): 1.4–1.7× faster forward+backward from 128 channels, 0.9–1.3× at 64, slower at 32
  /// channels on one thread (its transforms, memory passes over 4× the image, outweigh the saved
  /// multiplies); ~1.1× at 64 channels and 128×128, left to im2col for the memory 4× the
  /// networks' largest activations would take in transformed tiles.
  func picksWinograd(inChannels: Int, outChannels: Int, height: Int, width: Int) -> Bool {
    switch self {
    case .im2col: return false
    case .winograd: return true
    case .automatic: return min(inChannels, outChannels) >= 64 && height * width <= 64 * 64
    }
  }
}
