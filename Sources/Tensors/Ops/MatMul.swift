// MatMul: matrix products on OpenBLAS (`sgemm`), plain [M, K] × [K, N], batched
// [B, M, K] × [B, K, N], and PyTorch's `linear` (x · Wᵀ + b over the last axis). Backward is
// two more GEMMs accumulating (β = 1) straight into the operands' gradients. The B products of a
// batched matmul (attention's heads × images) are spread over the threads with ParallelGemm.
import Kernels

/// The product of `a` and `b`: `[M, K] × [K, N] → [M, N]`, or batched
/// `[B, M, K] × [B, K, N] → [B, M, N]`, as `torch.matmul` for these ranks.
public func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
  guard (a.rank == 2 || a.rank == 3) && b.rank == a.rank else {
    throw TensorError.shapeMismatch(op: "matmul", shapes: [a.shape, b.shape], reason: "need both [M, K] × [K, N] or both [B, M, K] × [B, K, N]")
  }
  let batched = a.rank == 3
  let (batch, m, k) = batched ? (a.shape[0], a.shape[1], a.shape[2]) : (1, a.shape[0], a.shape[1])
  let (kb, n) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
  guard k == kb else {
    throw TensorError.shapeMismatch(op: "matmul", shapes: [a.shape, b.shape], reason: "inner sizes differ (\(k) vs \(kb))")
  }
  if batched && b.shape[0] != batch {
    throw TensorError.shapeMismatch(op: "matmul", shapes: [a.shape, b.shape], reason: "batch sizes differ (\(batch) vs \(b.shape[0]))")
  }
  let out = Tensor(uninitialized: batched ? [batch, m, n] : [m, n])
  ParallelGemm.forEach(batch) { _, i in
    sgemm(
      transA: false, transB: false, m: m, n: n, k: k, a: a.data + i * m * k, lda: k,
      b: b.data + i * k * n, ldb: n, beta: 0, c: out.data + i * m * n, ldc: n)
  }
  return out.recorded("matmul", [a, b]) { g in
    let aGrad = a.requiresGrad ? a.gradBuffer() : nil
    let bGrad = b.requiresGrad ? b.gradBuffer() : nil
    ParallelGemm.forEach(batch) { _, i in
      let gi = g.data + i * m * n
      if let aGrad {  // dA += G · Bᵀ
        sgemm(
          transA: false, transB: true, m: m, n: k, k: n, a: gi, lda: n, b: b.data + i * k * n, ldb: n,
          beta: 1, c: aGrad.data + i * m * k, ldc: k)
      }
      if let bGrad {  // dB += Aᵀ · G
        sgemm(
          transA: true, transB: false, m: k, n: n, k: m, a: a.data + i * m * k, lda: k, b: gi, ldb: n,
          beta: 1, c: bGrad.data + i * k * n, ldc: n)
      }
    }
  }
}

/// y = x · Wᵀ + b over the last axis, as `F.linear`: x `[N, in]` or `[N, L, in]` (any leading
/// axes), weight `[out, in]`, bias `[out]` or nil → `[N, out]` / `[N, L, out]`.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
  guard x.rank >= 1, weight.rank == 2, x.shape[x.rank - 1] == weight.shape[1] else {
    throw TensorError.shapeMismatch(
      op: "linear", shapes: [x.shape, weight.shape], reason: "need input [..., in] and weight [out, in] with the same in")
  }
  let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
  if let bias, bias.shape != [outFeatures] {
    throw TensorError.shapeMismatch(
      op: "linear", shapes: [weight.shape, bias.shape], reason: "bias must be [out] = [\(outFeatures)] for this weight")
  }
  let rows = x.count / max(inFeatures, 1)
  let out = Tensor(uninitialized: x.shape.dropLast() + [outFeatures])
  if let bias {
    copyBlocks(bias.data, srcStride: 0, out.data, dstStride: outFeatures, blocks: rows, length: outFeatures, add: false)
  }
  sgemm(
    transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures, a: x.data, lda: inFeatures,
    b: weight.data, ldb: inFeatures, beta: bias == nil ? 0 : 1, c: out.data, ldc: outFeatures)
  let inputs = [x, weight] + (bias.map { [$0] } ?? [])
  return out.recorded("linear", inputs) { g in
    if x.requiresGrad {  // dx += G · W
      sgemm(
        transA: false, transB: false, m: rows, n: inFeatures, k: outFeatures, a: g.data, lda: outFeatures,
        b: weight.data, ldb: inFeatures, beta: 1, c: x.gradBuffer().data, ldc: inFeatures)
    }
    if weight.requiresGrad {  // dW += Gᵀ · x
      sgemm(
        transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows, a: g.data, lda: outFeatures,
        b: x.data, ldb: inFeatures, beta: 1, c: weight.gradBuffer().data, ldc: inFeatures)
    }
    if let bias, bias.requiresGrad {  // db += 1ᵀ · G (column sums)
      let ones = Tensor(shape: [rows], repeating: 1)
      sgemm(
        transA: false, transB: false, m: 1, n: outFeatures, k: rows, a: ones.data, lda: rows,
        b: g.data, ldb: outFeatures, beta: 1, c: bias.gradBuffer().data, ldc: outFeatures)
    }
  }
}
