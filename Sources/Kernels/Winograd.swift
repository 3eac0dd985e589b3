// Winograd: the transforms of F(2×2, 3×3) (Lavin & Gray 2016) for a 3×3, stride-1, padding-1
// convolution with zero borders, and their adjoints for the backward pass. With them a
// convolution becomes 16 independent GEMMs over tiles (one per transform element ξ) with 2.25×
// fewer multiplies than im2col's one GEMM:
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A   per 2×2 output tile, d its 4×4 input tile.
// Layouts: weights g [C_out, C_in, 3, 3]; transformed weights U [16, C_out, C_in]; images
// [N, C, H, W]; transformed inputs V [16, C, T] and outputs M [16, C, T] (each of the 16
// slabs `winogradSlab` floats after the previous one) with tile column
// t = n·tilesPerPlane + ty·tilesW + tx over the whole batch. Odd sizes: the last tile row or
// column reads zeros and its extra outputs are dropped.
// The image transforms work on one plane at a time, 16 tiles per vector: the plane's tiles are
// first gathered into 16 arrays d_ab[t] (tile t's sample at row a, column b) by row copies from
// the plane split into odd and even columns (E[j] = x[2j − 1], O[j] = x[2j], zero outside: tile
// column tx has columns E[tx], O[tx], E[tx + 1], O[tx + 1]), and each ξ of V is then one
// contiguous run over the plane's tiles. The output side mirrors this.

/// The 2×2-output tiles over one `[H, W]` plane (padding 1, so output size = input size).
public struct WinogradTiles: Equatable, Sendable {
  public let height: Int
  public let width: Int
  public let tilesH: Int
  public let tilesW: Int

  public init(height: Int, width: Int) {
    precondition(height > 0 && width > 0)
    self.height = height
    self.width = width
    tilesH = (height + 1) / 2
    tilesW = (width + 1) / 2
  }

  /// Tiles per plane.
  public var perPlane: Int { tilesH * tilesW }
}

/// Floats from one ξ's slab to the next in U, V and M for slabs of `count` floats: one cache
/// line more than the slab, so that the 16 slabs a tile reads or writes do not all fall into
/// the same cache sets (slab sizes are often powers of two).
public func winogradSlab(_ count: Int) -> Int { count + 16 }

/// U[ξ, co, ci] = (G g Gᵀ)[ξ] for every weight g[co, ci] (3×3); u: 16 slabs of `cout·cin`.
/// Runs over 16 weights per vector: their nine taps gathered, each ξ stored as one vector.
public func winogradWeights(_ g: UnsafePointer<Float>, count: Int, into u: UnsafeMutablePointer<Float>) {
  let slab = winogradSlab(count)
  Threading.forEachChunk(count, minChunk: 2048) { range in
    vectors(range.count) { j, lanes in
      let i = range.lowerBound + j
      var taps = (Vec(), Vec(), Vec(), Vec(), Vec(), Vec(), Vec(), Vec(), Vec())
      withUnsafeMutableBytes(of: &taps) { raw in
        let t = raw.baseAddress!.assumingMemoryBound(to: Float.self)
        for l in 0..<lanes {
          for e in 0..<9 { t[16 * e + l] = g[9 * (i + l) + e] }
        }
      }
      // G g: rows g0, (g0+g1+g2)/2, (g0−g1+g2)/2, g2; then the same on columns.
      func store(_ a: Int, _ r: (Vec, Vec, Vec)) {
        let p = u + 4 * a * slab + i
        storeVec(r.0, p, lanes)
        storeVec(0.5 * (r.0 + r.1 + r.2), p + slab, lanes)
        storeVec(0.5 * (r.0 - r.1 + r.2), p + 2 * slab, lanes)
        storeVec(r.2, p + 3 * slab, lanes)
      }
      let (r0, r1, r2) = ((taps.0, taps.1, taps.2), (taps.3, taps.4, taps.5), (taps.6, taps.7, taps.8))
      store(0, r0)
      store(1, (0.5 * (r0.0 + r1.0 + r2.0), 0.5 * (r0.1 + r1.1 + r2.1), 0.5 * (r0.2 + r1.2 + r2.2)))
      store(2, (0.5 * (r0.0 - r1.0 + r2.0), 0.5 * (r0.1 - r1.1 + r2.1), 0.5 * (r0.2 - r1.2 + r2.2)))
      store(3, r2)
    }
  }
}

/// dg[co, ci] += Gᵀ dU[·, co, ci] G for every weight (the adjoint of `winogradWeights`).
public func winogradWeightsAdjoint(_ du: UnsafePointer<Float>, count: Int, into dg: UnsafeMutablePointer<Float>) {
  let slab = winogradSlab(count)
  Threading.forEachChunk(count, minChunk: 2048) { range in
    vectors(range.count) { j, lanes in
      let i = range.lowerBound + j
      func row(_ a: Int) -> (Vec, Vec, Vec, Vec) { loadSlabs(du + 4 * a * slab + i, stride: slab, lanes) }
      let (u0, u1, u2, u3) = (row(0), row(1), row(2), row(3))
      // Gᵀ dU: rows u0 + (u1+u2)/2, (u1−u2)/2, (u1+u2)/2 + u3; then the same on columns.
      func columns(_ q: (Vec, Vec, Vec, Vec)) -> (Vec, Vec, Vec) {
        (q.0 + 0.5 * (q.1 + q.2), 0.5 * (q.1 - q.2), 0.5 * (q.1 + q.2) + q.3)
      }
      var taps = (
        columns((u0.0 + 0.5 * (u1.0 + u2.0), u0.1 + 0.5 * (u1.1 + u2.1), u0.2 + 0.5 * (u1.2 + u2.2), u0.3 + 0.5 * (u1.3 + u2.3))),
        columns((0.5 * (u1.0 - u2.0), 0.5 * (u1.1 - u2.1), 0.5 * (u1.2 - u2.2), 0.5 * (u1.3 - u2.3))),
        columns((0.5 * (u1.0 + u2.0) + u3.0, 0.5 * (u1.1 + u2.1) + u3.1, 0.5 * (u1.2 + u2.2) + u3.2, 0.5 * (u1.3 + u2.3) + u3.3))
      )
      withUnsafeBytes(of: &taps) { raw in
        let t = raw.baseAddress!.assumingMemoryBound(to: Float.self)
        for l in 0..<lanes {
          for e in 0..<9 { dg[9 * (i + l) + e] += t[16 * e + l] }
        }
      }
    }
  }
}

/// Runs body(j, lanes) for j = 0, 16, 32, … below n (lanes = min(16, n − j)).
@inline(__always)
private func vectors(_ n: Int, _ body: (Int, Int) -> Void) {
  var j = 0
  while j < n {
    body(j, min(16, n - j))
    j += 16
  }
}

/// Lanes of 4 slabs `stride` floats apart from `p`: p, p + stride, p + 2·stride, p + 3·stride.
@inline(__always)
private func loadSlabs(_ p: UnsafePointer<Float>, stride: Int, _ lanes: Int) -> (Vec, Vec, Vec, Vec) {
  (loadVec(p, lanes), loadVec(p + stride, lanes), loadVec(p + 2 * stride, lanes), loadVec(p + 3 * stride, lanes))
}

/// Calls body(planes, scratch) on contiguous ranges of `0..<planes` spread over the threads,
/// each with its own `floats`-float scratch buffer from the pool.
@inline(__always)
private func forEachPlane(_ planes: Int, scratch floats: Int, _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
  Threading.forEachChunk(planes, minChunk: 1) { range in
    let (buffer, capacity) = BufferPool.shared.allocate(floats)
    body(range, buffer)
    BufferPool.shared.release(buffer, capacity: capacity)
  }
}

/// A plane's samples in tile order: 16 arrays d_ab of `tiles.perPlane` floats, d_ab[t] = the
/// sample at row a, column b of tile t's 4×4 input window, plus the odd/even column split of
/// the plane's rows −1 … 2·tilesH (row r at offset r·(tilesW + 1)) that they are copied from.
private struct TileWindows {
  let tiles: WinogradTiles
  let windows: UnsafeMutablePointer<Float>
  let evens: UnsafeMutablePointer<Float>
  let odds: UnsafeMutablePointer<Float>

  /// Floats of scratch one plane needs.
  static func scratch(_ tiles: WinogradTiles) -> Int { 16 * tiles.perPlane + 2 * splitRows(tiles) * (tiles.tilesW + 1) }
  static func splitRows(_ tiles: WinogradTiles) -> Int { 2 * tiles.tilesH + 2 }

  init(_ tiles: WinogradTiles, scratch: UnsafeMutablePointer<Float>) {
    self.tiles = tiles
    windows = scratch
    evens = scratch + 16 * tiles.perPlane
    odds = evens + TileWindows.splitRows(tiles) * (tiles.tilesW + 1)
  }

  /// d_ab (a, b in 0..<4); d_a0 … d_a3 are `tiles.perPlane` floats apart.
  func window(_ a: Int, _ b: Int) -> UnsafeMutablePointer<Float> { windows + (4 * a + b) * tiles.perPlane }

  /// Fills the split rows from `plane` `[H, W]` and the windows from them.
  func gather(_ plane: UnsafePointer<Float>) {
    let (h, w, tw, stride) = (tiles.height, tiles.width, tiles.tilesW, tiles.tilesW + 1)
    for r in 0..<TileWindows.splitRows(tiles) {
      let (e, o) = (evens + r * stride, odds + r * stride)
      let y = r - 1
      guard y >= 0 && y < h else {
        e.update(repeating: 0, count: stride)
        o.update(repeating: 0, count: stride)
        continue
      }
      let row = plane + y * w
      e[0] = 0
      for j in 1..<stride { e[j] = 2 * j - 1 < w ? row[2 * j - 1] : 0 }
      for j in 0..<stride { o[j] = 2 * j < w ? row[2 * j] : 0 }
    }
    for ty in 0..<tiles.tilesH {
      for a in 0..<4 {
        let (e, o) = (evens + (2 * ty + a) * stride, odds + (2 * ty + a) * stride)
        let t = ty * tw
        (window(a, 0) + t).update(from: e, count: tw)
        (window(a, 1) + t).update(from: o, count: tw)
        (window(a, 2) + t).update(from: e + 1, count: tw)
        (window(a, 3) + t).update(from: o + 1, count: tw)
      }
    }
  }

  /// plane `[H, W]` += the windows, each sample receiving every window that covers it (the
  /// adjoint of `gather`; samples outside the image dropped).
  func scatterAdd(into plane: UnsafeMutablePointer<Float>) {
    let (h, w, tw, stride) = (tiles.height, tiles.width, tiles.tilesW, tiles.tilesW + 1)
    evens.update(repeating: 0, count: 2 * TileWindows.splitRows(tiles) * stride)
    for ty in 0..<tiles.tilesH {
      for a in 0..<4 {
        let (e, o) = (evens + (2 * ty + a) * stride, odds + (2 * ty + a) * stride)
        let t = ty * tw
        let (d0, d1, d2, d3) = (window(a, 0) + t, window(a, 1) + t, window(a, 2) + t, window(a, 3) + t)
        for j in 0..<tw {
          e[j] += d0[j]
          o[j] += d1[j]
          e[j + 1] += d2[j]
          o[j + 1] += d3[j]
        }
      }
    }
    for y in 0..<h {
      let (e, o, row) = (evens + (y + 1) * stride, odds + (y + 1) * stride, plane + y * w)
      for j in 1..<stride where 2 * j - 1 < w { row[2 * j - 1] += e[j] }
      for j in 0..<stride where 2 * j < w { row[2 * j] += o[j] }
    }
  }
}

/// V[ξ, c, t] = (Bᵀ d B)[ξ] for every 4×4 input tile d of `x` `[batch, channels, H, W]`;
/// v: 16 slabs of `[channels, batch·tiles.perPlane]`.
public func winogradInput(
  _ x: UnsafePointer<Float>, batch: Int, channels: Int, tiles: WinogradTiles, into v: UnsafeMutablePointer<Float>
) {
  let pp = tiles.perPlane
  let xi = winogradSlab(channels * batch * pp)
  forEachPlane(batch * channels, scratch: TileWindows.scratch(tiles)) { planes, scratch in
    let d = TileWindows(tiles, scratch: scratch)
    for plane in planes {
      let (n, c) = (plane / channels, plane % channels)
      d.gather(x + plane * tiles.height * tiles.width)
      let out = v + (c * batch + n) * pp
      vectors(pp) { j, lanes in
        func row(_ a: Int) -> (Vec, Vec, Vec, Vec) { loadSlabs(d.window(a, 0) + j, stride: pp, lanes) }
        let (d0, d1, d2, d3) = (row(0), row(1), row(2), row(3))
        // Bᵀ d: rows d0−d2, d1+d2, d2−d1, d1−d3; then columns t0−t2, t1+t2, t2−t1, t1−t3.
        func store(_ a: Int, _ t: (Vec, Vec, Vec, Vec)) {
          let p = out + 4 * a * xi + j
          storeVec(t.0 - t.2, p, lanes)
          storeVec(t.1 + t.2, p + xi, lanes)
          storeVec(t.2 - t.1, p + 2 * xi, lanes)
          storeVec(t.1 - t.3, p + 3 * xi, lanes)
        }
        store(0, (d0.0 - d2.0, d0.1 - d2.1, d0.2 - d2.2, d0.3 - d2.3))
        store(1, (d1.0 + d2.0, d1.1 + d2.1, d1.2 + d2.2, d1.3 + d2.3))
        store(2, (d2.0 - d1.0, d2.1 - d1.1, d2.2 - d1.2, d2.3 - d1.3))
        store(3, (d1.0 - d3.0, d1.1 - d3.1, d1.2 - d3.2, d1.3 - d3.3))
      }
    }
  }
}

/// dx[n, c] += B dV Bᵀ over every tile, overlapping tiles summed, samples outside the image
/// dropped (the adjoint of `winogradInput`); dv: 16 slabs of `[channels, batch·tiles.perPlane]`.
public func winogradInputAdjoint(
  _ dv: UnsafePointer<Float>, batch: Int, channels: Int, tiles: WinogradTiles, into dx: UnsafeMutablePointer<Float>
) {
  let pp = tiles.perPlane
  let xi = winogradSlab(channels * batch * pp)
  forEachPlane(batch * channels, scratch: TileWindows.scratch(tiles)) { planes, scratch in
    let d = TileWindows(tiles, scratch: scratch)
    for plane in planes {
      let (n, c) = (plane / channels, plane % channels)
      let src = dv + (c * batch + n) * pp
      vectors(pp) { j, lanes in
        func row(_ a: Int) -> (Vec, Vec, Vec, Vec) { loadSlabs(src + 4 * a * xi + j, stride: xi, lanes) }
        let (u0, u1, u2, u3) = (row(0), row(1), row(2), row(3))
        // B dV: rows u0, u1−u2+u3, u1+u2−u0, −u3; then columns r0, r1−r2+r3, r1+r2−r0, −r3.
        func store(_ a: Int, _ r: (Vec, Vec, Vec, Vec)) {
          storeVec(r.0, d.window(a, 0) + j, lanes)
          storeVec(r.1 - r.2 + r.3, d.window(a, 1) + j, lanes)
          storeVec(r.1 + r.2 - r.0, d.window(a, 2) + j, lanes)
          storeVec(-r.3, d.window(a, 3) + j, lanes)
        }
        store(0, u0)
        store(1, (u1.0 - u2.0 + u3.0, u1.1 - u2.1 + u3.1, u1.2 - u2.2 + u3.2, u1.3 - u2.3 + u3.3))
        store(2, (u1.0 + u2.0 - u0.0, u1.1 + u2.1 - u0.1, u1.2 + u2.2 - u0.2, u1.3 + u2.3 - u0.3))
        store(3, (-u3.0, -u3.1, -u3.2, -u3.3))
      }
      d.scatterAdd(into: dx + plane * tiles.height * tiles.width)
    }
  }
}

/// The four output samples of every tile of one plane: row 0 even/odd column, row 1 even/odd
/// column, `tiles.perPlane` floats each, in tile order.
private struct TileOutputs {
  let tiles: WinogradTiles
  let base: UnsafeMutablePointer<Float>

  static func scratch(_ tiles: WinogradTiles) -> Int { 4 * tiles.perPlane }

  /// Sample (row dy, column dx) of each tile.
  func sample(_ dy: Int, _ dx: Int) -> UnsafeMutablePointer<Float> { base + (2 * dy + dx) * tiles.perPlane }

  /// plane `[H, W]` = the samples, those past an odd edge dropped.
  func write(to plane: UnsafeMutablePointer<Float>) {
    let (h, w, tw) = (tiles.height, tiles.width, tiles.tilesW)
    for oy in 0..<h {
      let (even, odd) = (sample(oy % 2, 0) + (oy / 2) * tw, sample(oy % 2, 1) + (oy / 2) * tw)
      let row = plane + oy * w
      for j in 0..<(w / 2) {
        row[2 * j] = even[j]
        row[2 * j + 1] = odd[j]
      }
      if w % 2 == 1 { row[w - 1] = even[tw - 1] }
    }
  }

  /// The samples = plane `[H, W]`, zeros past an odd edge (the adjoint of `write`).
  func read(from plane: UnsafePointer<Float>) {
    let (h, w, tw) = (tiles.height, tiles.width, tiles.tilesW)
    for oy in 0..<(2 * tiles.tilesH) {
      let (even, odd) = (sample(oy % 2, 0) + (oy / 2) * tw, sample(oy % 2, 1) + (oy / 2) * tw)
      guard oy < h else {
        even.update(repeating: 0, count: tw)
        odd.update(repeating: 0, count: tw)
        continue
      }
      let row = plane + oy * w
      for j in 0..<tw {
        even[j] = row[2 * j]
        odd[j] = 2 * j + 1 < w ? row[2 * j + 1] : 0
      }
    }
  }
}

/// y[n, c] = Aᵀ M A (+ bias[c]) for every tile, outputs past an odd edge dropped;
/// m: 16 slabs of `[channels, batch·tiles.perPlane]`, y: `[batch, channels, H, W]`.
public func winogradOutput(
  _ m: UnsafePointer<Float>, batch: Int, channels: Int, tiles: WinogradTiles, bias: UnsafePointer<Float>?,
  into y: UnsafeMutablePointer<Float>
) {
  let pp = tiles.perPlane
  let xi = winogradSlab(channels * batch * pp)
  forEachPlane(batch * channels, scratch: TileOutputs.scratch(tiles)) { planes, scratch in
    let out = TileOutputs(tiles: tiles, base: scratch)
    for plane in planes {
      let (n, c) = (plane / channels, plane % channels)
      let b = Vec(repeating: bias?[c] ?? 0)
      let src = m + (c * batch + n) * pp
      vectors(pp) { j, lanes in
        func row(_ a: Int) -> (Vec, Vec, Vec, Vec) { loadSlabs(src + 4 * a * xi + j, stride: xi, lanes) }
        let (m0, m1, m2, m3) = (row(0), row(1), row(2), row(3))
        // Aᵀ M: rows m0+m1+m2, m1−m2−m3; then columns s0+s1+s2, s1−s2−s3.
        let s0 = (m0.0 + m1.0 + m2.0, m0.1 + m1.1 + m2.1, m0.2 + m1.2 + m2.2, m0.3 + m1.3 + m2.3)
        let s1 = (m1.0 - m2.0 - m3.0, m1.1 - m2.1 - m3.1, m1.2 - m2.2 - m3.2, m1.3 - m2.3 - m3.3)
        storeVec(s0.0 + s0.1 + s0.2 + b, out.sample(0, 0) + j, lanes)
        storeVec(s0.1 - s0.2 - s0.3 + b, out.sample(0, 1) + j, lanes)
        storeVec(s1.0 + s1.1 + s1.2 + b, out.sample(1, 0) + j, lanes)
        storeVec(s1.1 - s1.2 - s1.3 + b, out.sample(1, 1) + j, lanes)
      }
      out.write(to: y + plane * tiles.height * tiles.width)
    }
  }
}

/// dM[ξ, c, t] = (A dY Aᵀ)[ξ] for every 2×2 tile of dy `[batch, channels, H, W]` (zeros past
/// an odd edge; the adjoint of `winogradOutput` without its bias).
public func winogradOutputAdjoint(
  _ dy: UnsafePointer<Float>, batch: Int, channels: Int, tiles: WinogradTiles, into dm: UnsafeMutablePointer<Float>
) {
  let pp = tiles.perPlane
  let xi = winogradSlab(channels * batch * pp)
  forEachPlane(batch * channels, scratch: TileOutputs.scratch(tiles)) { planes, scratch in
    let g = TileOutputs(tiles: tiles, base: scratch)
    for plane in planes {
      let (n, c) = (plane / channels, plane % channels)
      g.read(from: dy + plane * tiles.height * tiles.width)
      let out = dm + (c * batch + n) * pp
      vectors(pp) { j, lanes in
        let (e0, o0) = (loadVec(g.sample(0, 0) + j, lanes), loadVec(g.sample(0, 1) + j, lanes))
        let (e1, o1) = (loadVec(g.sample(1, 0) + j, lanes), loadVec(g.sample(1, 1) + j, lanes))
        // A dY: rows y0, y0+y1, y0−y1, −y1; then columns r0, r0+r1, r0−r1, −r1.
        func store(_ a: Int, _ e: Vec, _ o: Vec) {
          let p = out + 4 * a * xi + j
          storeVec(e, p, lanes)
          storeVec(e + o, p + xi, lanes)
          storeVec(e - o, p + 2 * xi, lanes)
          storeVec(-o, p + 3 * xi, lanes)
        }
        store(0, e0, o0)
        store(1, e0 + e1, o0 + o1)
        store(2, e0 - e1, o0 - o1)
        store(3, -e1, -o1)
      }
    }
  }
}
