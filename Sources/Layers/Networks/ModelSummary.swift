// ModelSummary: the layer table of a network (dotted name, layer, own parameters) and, after
// one traced forward pass at batch 1, each layer's output shape and FLOPs — what
// `noiseda inspect model` prints.
import Foundation
import Tensors

/// The layer table and totals of one network.
public struct ModelSummary {
  /// One layer: a leaf module, or a module that records its own work (attention).
  public struct Row {
    public let name: String
    public let layer: String
    /// Parameters owned by this layer itself.
    public let parameters: Int
    /// Output shape in the traced pass (`[1, C, H, W]`), nil before tracing.
    public var outputShape: [Int]?
    /// Forward FLOPs at batch 1 in the traced pass.
    public var flops: Double
  }

  public private(set) var rows: [Row]
  /// All parameters of the network.
  public let parameterCount: Int
  /// Forward FLOPs at batch 1 for the traced input size, nil before tracing.
  public private(set) var forwardFlops: Double?
  /// The traced input shape.
  public private(set) var inputShape: [Int]?

  /// The table without shapes or FLOPs (no forward pass).
  public init(module: Module) {
    parameterCount = module.parameterCount
    rows = module.namedModules().filter { $0.1.children.isEmpty }.map { name, m in
      Row(
        name: name, layer: m.layerDescription, parameters: m.ownParameters.reduce(0) { $0 + $1.1.count },
        outputShape: nil, flops: 0)
    }
  }

  /// Builds `spec`, runs one forward pass on a `[1, C, size, size]` input (evaluation mode, no
  /// gradients) and fills output shapes and FLOPs.
  public static func traced(_ spec: ModelSpec, size: Int) throws -> ModelSummary {
    guard size > 0, size % spec.sizeMultiple == 0 else {
      throw TensorError.invalidArgument(op: "ModelSummary", reason: "--size \(size) must be a positive multiple of \(spec.sizeMultiple)")
    }
    let module = spec.build()
    module.eval()
    let x = Tensor.zeros([1, spec.inChannels, size, size])
    let trace = try Autograd.withoutGradients {
      try ForwardTrace.run {
        switch module {
        case let restorer as RestorerUNet: _ = try restorer(x)
        case let diffusion as DiffusionUNet:
          var rng = PhiloxRandom(seed: 0)
          _ = try diffusion(x, gammas: [0.5], using: &rng)
        case let network as UnaryModule: _ = try network(x)
        default: preconditionFailure("ModelSummary: no forward for \(type(of: module))")
        }
      }
    }
    var byLayer: [ObjectIdentifier: (shape: [Int], flops: Double)] = [:]
    for r in trace.records { byLayer[r.layer] = (r.outputShape, (byLayer[r.layer]?.flops ?? 0) + r.flops) }
    var summary = ModelSummary(module: module)
    summary.rows = module.namedModules().compactMap { name, m in
      let traced = byLayer[ObjectIdentifier(m)]
      guard m.children.isEmpty || traced != nil else { return nil }
      return Row(
        name: name, layer: m.layerDescription, parameters: m.ownParameters.reduce(0) { $0 + $1.1.count },
        outputShape: traced?.shape, flops: traced?.flops ?? 0)
    }
    summary.forwardFlops = trace.totalFlops
    summary.inputShape = x.shape
    return summary
  }

  /// The table as aligned text, with the totals last.
  public func render() -> String {
    let header = ["name", "layer", "output", "params", "MFLOPs"]
    let body = rows.map { r in
      [
        r.name, r.layer, r.outputShape.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" } ?? "-",
        grouped(r.parameters), forwardFlops == nil ? "-" : String(format: "%.1f", r.flops / 1e6),
      ]
    }
    let table = [header] + body
    let widths = (0..<header.count).map { c in table.map { $0[c].count }.max() ?? 0 }
    var lines = table.map { row in
      row.enumerated().map { c, cell in
        c >= 3 ? String(repeating: " ", count: widths[c] - cell.count) + cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }
    lines.append("parameters: \(grouped(parameterCount))")
    if let flops = forwardFlops, let shape = inputShape {
      lines.append(String(format: "forward: %.3f GFLOPs per image at %d×%d (%.3f GMACs)", flops / 1e9, shape[2], shape[3], flops / 2e9))
    }
    return lines.joined(separator: "\n")
  }

  private func grouped(_ n: Int) -> String {
    let digits = Array(String(n))
    var out = ""
    for (i, d) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(d)
    }
    return out
  }
}
