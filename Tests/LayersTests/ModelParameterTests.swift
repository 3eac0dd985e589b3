// Exact parameter counts of every preset (restorer counts from the paper's appendix A1.3,
// diffusion counts from the released guided-diffusion constructor), PyTorch state_dict names,
// the preset registry and the untraced layer table.
import Layers
import Tensors
import XCTest

final class ModelParameterTests: XCTestCase {
  func testPresetParameterCounts() throws {
    let expected: [String: Int] = [
      "unet-t": 2_141_475, "unet-s": 8_559_171, "unet-b": 12_068_271, "unet-cpu": 130_259, "unet-tiny": 32_875,
      "diffusion-t": 2_062_883, "diffusion-s": 6_937_155, "diffusion-b": 62_643_075,
      "diffusion-paper": 62_643_075, "diffusion-cpu": 1_305_763, "diffusion-tiny": 196_947,
      // I2SB's and the DDPM prior's (3 channels in): 1,304,035 as torch_diffusion counts it
      // (docs/performance.md); ADM 256 without the learned-σ half of its output: 552,807,171.
      "i2sb-cpu": 1_304_035, "ddpm-cpu": 1_304_035, "i2sb-paper": 552_807_171,
    ]
    for (name, count) in expected {
      XCTAssertEqual(try ModelPresets.spec(named: name).build().parameterCount, count, name)
    }
  }

  func testRestorerNamesMatchReleasedStateDict() {
    let net = RestorerUNet(RestorerConfig(width: 16, depth: 3))
    let names = net.namedParameters().map(\.0)
    XCTAssertEqual(names.count, 2 * (3 * 2 + 2 * 3 + 1))
    XCTAssertEqual(Array(names.prefix(4)), ["down_path.0.block.0.weight", "down_path.0.block.0.bias", "down_path.0.block.2.weight", "down_path.0.block.2.bias"])
    XCTAssertTrue(names.contains("up_path.1.conv_up.weight"))
    XCTAssertTrue(names.contains("up_path.0.conv_block.block.2.bias"))
    XCTAssertEqual(Array(names.suffix(2)), ["last.weight", "last.bias"])
    let shapes = Dictionary(uniqueKeysWithValues: net.namedParameters().map { ($0.0, $0.1.shape) })
    XCTAssertEqual(shapes["down_path.2.block.0.weight"], [64, 32, 3, 3])
    XCTAssertEqual(shapes["up_path.0.conv_up.weight"], [32, 64, 3, 3])
    XCTAssertEqual(shapes["up_path.0.conv_block.block.0.weight"], [32, 64, 3, 3])
    XCTAssertEqual(shapes["last.weight"], [3, 16, 3, 3])
  }

  func testDiffusionNamesMatchReleasedStateDict() throws {
    let net = DiffusionUNet(DiffusionConfig(baseChannels: 32, channelMultipliers: [1, 2], resBlocks: 1))
    let shapes = Dictionary(uniqueKeysWithValues: net.namedParameters().map { ($0.0, $0.1.shape) })
    XCTAssertEqual(shapes["cond_embed.0.weight"], [128, 32])
    XCTAssertEqual(shapes["cond_embed.2.weight"], [128, 128])
    XCTAssertEqual(shapes["input_blocks.0.0.weight"], [32, 9, 3, 3])
    XCTAssertEqual(shapes["input_blocks.1.0.in_layers.0.weight"], [32])
    XCTAssertEqual(shapes["input_blocks.1.0.emb_layers.1.weight"], [64, 128])
    XCTAssertEqual(shapes["input_blocks.1.0.out_layers.3.weight"], [32, 32, 3, 3])
    XCTAssertEqual(shapes["input_blocks.2.0.in_layers.2.weight"], [32, 32, 3, 3])  // down ResBlock
    XCTAssertEqual(shapes["input_blocks.3.0.skip_connection.weight"], [64, 32, 1, 1])
    XCTAssertEqual(shapes["middle_block.1.qkv.weight"], [192, 64, 1])
    XCTAssertEqual(shapes["middle_block.1.proj_out.weight"], [64, 64, 1])
    XCTAssertEqual(shapes["output_blocks.0.0.in_layers.0.weight"], [128])
    XCTAssertEqual(shapes["output_blocks.1.1.in_layers.2.weight"], [64, 64, 3, 3])  // up ResBlock
    XCTAssertEqual(shapes["output_blocks.2.0.in_layers.0.weight"], [96])
    XCTAssertEqual(shapes["out.0.weight"], [32])
    XCTAssertEqual(shapes["out.2.weight"], [3, 32, 3, 3])
    XCTAssertNil(shapes["input_blocks.4.0.in_layers.0.weight"])
  }

  func testUnknownPresetNamesTheKnownOnes() {
    XCTAssertThrowsError(try ModelPresets.spec(named: "unet-xl")) { error in
      XCTAssertEqual(error as? LayersError, .unknownPreset(name: "unet-xl", known: ModelPresets.names))
      XCTAssertTrue("\(error)".contains("unet-s"))
    }
  }

  func testLayerTableListsEveryLeafAndSumsToTheCount() throws {
    let net = try ModelPresets.spec(named: "unet-s").build()
    let summary = ModelSummary(module: net)
    XCTAssertEqual(summary.rows.count, 2 * 4 + 3 * 3 + 1)
    XCTAssertEqual(summary.rows.reduce(0) { $0 + $1.parameters }, 8_559_171)
    XCTAssertEqual(summary.rows.first?.layer, "Conv2d(3, 64, k=3, s=1, p=1)")
    let text = summary.render()
    XCTAssertTrue(text.contains("parameters: 8,559,171"), text)
    XCTAssertTrue(text.contains("up_path.2.conv_block.block.0"), text)
  }
}
