// ItemLoop: the threading rule shared by the shape, pooling, upsampling and normalisation ops,
// whose natural unit of work is an item (an image plane, a sample, a normalised row, a block).

import Kernels

/// Runs `body(i)` for each of `count` independent items of about `workPerItem` floats each,
/// spread over `Threading.count` threads when the total work (≥ 64k floats) pays for it.
/// Items are dealt round-robin, so a few large items still split evenly.
@inline(__always)
func forEachItem(_ count: Int, workPerItem: Int, _ body: (Int) -> Void) {
  if count == 1 || count * workPerItem < 65_536 {
    for i in 0..<count { body(i) }
  } else {
    Threading.forEach(count, body)
  }
}
