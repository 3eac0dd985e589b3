// WinogradLowering's chunks of images: a batch taken two images at a time (the last chunk
// short) gives the same output and gradients as the whole batch in one chunk.
@testable import Tensors
import Kernels
import XCTest

final class WinogradChunkTests: XCTestCase {
  func testChunkedBatchEqualsOneChunk() {
    let (batch, cin, cout, h, w) = (5, 6, 7, 9, 6)
    let x = randomTensor([batch, cin, h, w], seed: 21)
    let weight = randomTensor([cout, cin, 3, 3], seed: 22)
    let bias = randomTensor([cout], seed: 23)
    let dy = randomTensor([batch, cout, h, w], seed: 24)
    var results: [[[Float]]] = []
    for chunk in [batch, 2] {
      let lowering = WinogradLowering(
        batch: batch, inChannels: cin, outChannels: cout, tiles: WinogradTiles(height: h, width: w), chunkImages: chunk)
      XCTAssertEqual(lowering.chunkImages, chunk)
      let y = Tensor.zeros([batch, cout, h, w])
      let (dx, dw) = (Tensor.zeros(x.shape), Tensor.zeros(weight.shape))
      lowering.forward(x: x.data, weight: weight.data, bias: bias.data, out: y.data)
      lowering.backward(x: x.data, weight: weight.data, gradOut: dy.data, weightGrad: dw.data, inputGrad: dx.data)
      results.append([y.values, dx.values, dw.values])
    }
    for (name, (a, b)) in zip(["y", "dX", "dW"], zip(results[0], results[1])) {
      for i in 0..<a.count { XCTAssertEqual(a[i], b[i], accuracy: 1e-4 * max(1, abs(a[i])), "\(name)[\(i)]") }
    }
  }
}
