// NetworkConformances: the Layers networks in the roles the methods use.
import Layers
import Tensors

extension RestorerUNet: ResidualRestorer {}

extension DiffusionUNet: NoisePredictor {
  public func predictNoise(_ input: Tensor, gamma: [Float], using rng: inout PhiloxRandom) throws -> Tensor {
    try self(input, gammas: gamma, using: &rng)
  }
}
