// ToyNetworks: the two-convolution network the example methods (ToyAdversarial, ToySampler) are
// built from — small enough that a test trains it for ten steps under mpirun in seconds.
import Layers
import Tensors

/// conv(3×3) → LeakyReLU(0.2) → conv(3×3): `[N, in, H, W]` → `[N, out, H/s, W/s]` for stride s of
/// the first convolution; with `residual` (in = out, stride 1) the input is added to the output.
public final class ToyConvNet: Module {
  let first: Conv2d
  let second: Conv2d
  let residual: Bool
  public var isTraining = true

  public init(in inChannels: Int, hidden: Int, out outChannels: Int, stride: Int = 1, residual: Bool = false) {
    precondition(!residual || (inChannels == outChannels && stride == 1), "ToyConvNet: a residual net keeps channels and size")
    first = Conv2d(inChannels, hidden, kernelSize: 3, stride: stride, padding: 1)
    second = Conv2d(hidden, outChannels, kernelSize: 3, padding: 1)
    self.residual = residual
  }

  public var children: [(String, Module)] { [("first", first), ("second", second)] }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let y = try second(try first(x).leakyRelu(slope: 0.2))
    return residual ? try x + y : y
  }
}
