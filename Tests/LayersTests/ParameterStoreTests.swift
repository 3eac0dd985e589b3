// ParameterStore: names in PyTorch order, aligned views into one flat buffer, gradients
// accumulated into the flat gradient buffer by backward, zeroGrad, Kaiming initialisation.
import Layers
import Tensors
import XCTest

/// A two-level module with odd-sized parameters, for store and optimizer tests.
final class ToyBlock: Module {
  let weight = Parameter(shape: [5, 3, 3, 3], initializer: .kaimingNormal)
  let bias = Parameter(shape: [5], initializer: .zeros)
  var isTraining = true
  var ownParameters: [(String, Parameter)] { [("weight", weight), ("bias", bias)] }
}

final class ToyNet: Module {
  let scale = Parameter(shape: [7], initializer: .ones)
  let blocks = [ToyBlock(), ToyBlock()]
  var isTraining = true
  var ownParameters: [(String, Parameter)] { [("scale", scale)] }
  var children: [(String, Module)] { blocks.enumerated().map { ("blocks.\($0.offset)", $0.element) } }
}

final class ParameterStoreTests: XCTestCase {
  func testNamesOffsetsAndViews() throws {
    let net = ToyNet()
    net.blocks[1].bias.value.data[2] = 4.5  // a value set before adoption must survive it
    let store = ParameterStore(module: net)
    XCTAssertEqual(
      store.entries.map(\.name),
      ["scale", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias"])
    XCTAssertEqual(store.parameterCount, 7 + 2 * (135 + 5))
    XCTAssertEqual(net.parameterCount, store.parameterCount)
    for e in store.entries {
      XCTAssertEqual(e.offset % 16, 0, e.name)
      let p = try XCTUnwrap(store.parameter(named: e.name))
      XCTAssertEqual(p.value.data, store.values.pointer + e.offset, e.name)
      XCTAssertEqual(p.value.grad?.data, store.gradients.pointer + e.offset, e.name)
      XCTAssertEqual(Int(bitPattern: p.value.data) % 64, 0, e.name)
    }
    XCTAssertEqual(store.flatCount, 16 + 2 * (144 + 16))
    XCTAssertEqual(net.blocks[1].bias.value.data[2], 4.5)
    XCTAssertEqual(store.entry(named: "blocks.1.weight")?.shape, [5, 3, 3, 3])
    XCTAssertNil(store.entry(named: "blocks.2.weight"))
  }

  func testBackwardAccumulatesIntoFlatGradients() throws {
    let net = ToyNet()
    let store = ParameterStore(module: net)
    let x = try Tensor(shape: [7], values: (0..<7).map { Float($0) - 2.5 })
    for _ in 0..<2 { try (try net.scale.value * x).backward(gradient: Tensor.ones([7])) }
    let off = try XCTUnwrap(store.entry(named: "scale")).offset
    for i in 0..<7 { XCTAssertEqual(store.gradients.pointer[off + i], 2 * x.data[i]) }
    store.zeroGrad()
    for i in 0..<store.flatCount { XCTAssertEqual(store.gradients.pointer[i], 0) }
    // The view survives zeroGrad: the next backward lands in the flat buffer again.
    try (try net.scale.value * x).backward(gradient: Tensor.ones([7]))
    XCTAssertEqual(store.gradients.pointer[off + 6], x.data[6])
  }

  func testInitializationFollowsKaimingFanIn() throws {
    final class Wide: Module {
      let weight = Parameter(shape: [64, 32, 3, 3], initializer: .kaimingNormal)
      let bias = Parameter(shape: [64], initializer: .zeros)
      let gain = Parameter(shape: [64], initializer: .ones)
      var isTraining = true
      var ownParameters: [(String, Parameter)] { [("weight", weight), ("bias", bias), ("gain", gain)] }
    }
    let net = Wide()
    let store = ParameterStore(module: net)
    var rng = PhiloxRandom(seed: 3)
    store.initialize(using: &rng)
    let w = net.weight.value.values.map(Double.init)
    let mean = w.reduce(0, +) / Double(w.count)
    let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)).squareRoot()
    let expected = (2.0 / (32 * 9)).squareRoot()  // fan_in = in · kh · kw
    XCTAssertEqual(std, expected, accuracy: expected * 0.03)
    XCTAssertEqual(mean, 0, accuracy: expected * 0.03)
    XCTAssertEqual(net.bias.value.values, [Float](repeating: 0, count: 64))
    XCTAssertEqual(net.gain.value.values, [Float](repeating: 1, count: 64))
    // Same seed, same weights.
    let other = Wide()
    let otherStore = ParameterStore(module: other)
    var rng2 = PhiloxRandom(seed: 3)
    otherStore.initialize(using: &rng2)
    XCTAssertEqual(other.weight.value.values, net.weight.value.values)
  }

  func testTrainEvalPropagates() {
    let net = ToyNet()
    net.eval()
    XCTAssertFalse(net.isTraining || net.blocks.contains { $0.isTraining })
    net.train()
    XCTAssertTrue(net.isTraining && net.blocks.allSatisfy { $0.isTraining })
    XCTAssertEqual(net.namedModules().map(\.0), ["", "blocks.0", "blocks.1"])
  }
}
