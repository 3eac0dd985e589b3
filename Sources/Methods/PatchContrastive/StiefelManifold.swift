// StiefelManifold: ODCR's orthogonality constraint ΘᵀΘ = I (algorithms.md §3.2, seed eqs. 2–6) on
// a tall n × p matrix Θ (n ≥ p; a wide weight is handled as its transpose): an orthonormal start
// (QR of a Gaussian matrix, by modified Gram–Schmidt), the Riemannian gradient
// grad f = E − ½ΘΘᵀE − ½ΘEᵀΘ of a Euclidean gradient E, and the step with retraction
// Θ' = (Θ + ξ)(I + ξᵀξ)^(−1/2), ξ = −γ·grad f. On the manifold ΘᵀΞ is skew, so
// (Θ + ξ)ᵀ(Θ + ξ) = I + ξᵀξ; the retraction computes the inverse square root of (Θ + ξ)ᵀ(Θ + ξ)
// itself, which is the same matrix there and also removes the float32 round-off of the stored
// weights instead of letting it accumulate. The inverse square root of that symmetric positive-
// definite p × p matrix comes from Newton–Schulz iterations. All arithmetic in Double.

/// A dense row-major matrix in Double.
public struct DoubleMatrix: Equatable {
  public var rows: Int
  public var columns: Int
  public var values: [Double]

  public init(rows: Int, columns: Int, values: [Double]) {
    precondition(values.count == rows * columns, "DoubleMatrix: \(values.count) values for \(rows) × \(columns)")
    self.rows = rows
    self.columns = columns
    self.values = values
  }

  public static func identity(_ n: Int) -> DoubleMatrix {
    var m = DoubleMatrix(rows: n, columns: n, values: [Double](repeating: 0, count: n * n))
    for i in 0..<n { m.values[i * n + i] = 1 }
    return m
  }

  public subscript(_ i: Int, _ j: Int) -> Double {
    get { values[i * columns + j] }
    set { values[i * columns + j] = newValue }
  }

  public var transposed: DoubleMatrix {
    var t = DoubleMatrix(rows: columns, columns: rows, values: values)
    for i in 0..<rows { for j in 0..<columns { t.values[j * rows + i] = values[i * columns + j] } }
    return t
  }

  public static func * (a: DoubleMatrix, b: DoubleMatrix) -> DoubleMatrix {
    precondition(a.columns == b.rows, "DoubleMatrix: \(a.rows)×\(a.columns) times \(b.rows)×\(b.columns)")
    var c = [Double](repeating: 0, count: a.rows * b.columns)
    for i in 0..<a.rows {
      for k in 0..<a.columns {
        let aik = a.values[i * a.columns + k]
        if aik == 0 { continue }
        for j in 0..<b.columns { c[i * b.columns + j] += aik * b.values[k * b.columns + j] }
      }
    }
    return DoubleMatrix(rows: a.rows, columns: b.columns, values: c)
  }

  public static func + (a: DoubleMatrix, b: DoubleMatrix) -> DoubleMatrix {
    DoubleMatrix(rows: a.rows, columns: a.columns, values: zip(a.values, b.values).map(+))
  }

  public static func - (a: DoubleMatrix, b: DoubleMatrix) -> DoubleMatrix {
    DoubleMatrix(rows: a.rows, columns: a.columns, values: zip(a.values, b.values).map(-))
  }

  public static func * (s: Double, a: DoubleMatrix) -> DoubleMatrix {
    DoubleMatrix(rows: a.rows, columns: a.columns, values: a.values.map { s * $0 })
  }

  /// The Frobenius norm.
  public var norm: Double { values.reduce(0) { $0 + $1 * $1 }.squareRoot() }
}

/// The Stiefel manifold of n × p matrices with orthonormal columns.
public enum StiefelManifold {
  /// Θ with orthonormal columns from `gaussian` (n × p, n ≥ p): modified Gram–Schmidt, i.e. the Q
  /// of its QR decomposition (columns signed so that R's diagonal is positive).
  public static func orthonormalized(_ gaussian: DoubleMatrix) -> DoubleMatrix {
    precondition(gaussian.rows >= gaussian.columns, "StiefelManifold: a tall matrix is needed")
    var q = gaussian
    for j in 0..<q.columns {
      for k in 0..<j {
        var dot = 0.0
        for i in 0..<q.rows { dot += q[i, k] * q[i, j] }
        for i in 0..<q.rows { q[i, j] -= dot * q[i, k] }
      }
      var norm = 0.0
      for i in 0..<q.rows { norm += q[i, j] * q[i, j] }
      norm = norm.squareRoot()
      for i in 0..<q.rows { q[i, j] /= norm }
    }
    return q
  }

  /// ‖ΘᵀΘ − I‖ (Frobenius).
  public static func orthogonalityError(_ theta: DoubleMatrix) -> Double {
    (theta.transposed * theta - .identity(theta.columns)).norm
  }

  /// grad f(Θ) = E − ½ΘΘᵀE − ½ΘEᵀΘ (seed eq. 3).
  public static func riemannianGradient(_ theta: DoubleMatrix, euclidean e: DoubleMatrix) -> DoubleMatrix {
    let thetaT = theta.transposed
    return e - 0.5 * (theta * (thetaT * e)) - 0.5 * (theta * (e.transposed * theta))
  }

  /// One descent step of size γ along −grad f, retracted onto the manifold (seed eqs. 4–6).
  public static func step(_ theta: DoubleMatrix, euclidean e: DoubleMatrix, rate gamma: Double) -> DoubleMatrix {
    let moved = theta + (-gamma) * riemannianGradient(theta, euclidean: e)
    return moved * inverseSquareRoot(moved.transposed * moved)
  }

  /// A^(−1/2) of a symmetric positive-definite matrix by coupled Newton–Schulz iterations:
  /// Y₀ = A/‖A‖, Z₀ = I; T = ½(3I − Z·Y), Y ← Y·T, Z ← T·Z until ‖Z·Y − I‖ < 1e-13 (at most 60);
  /// then A^(−1/2) = Z/√‖A‖.
  public static func inverseSquareRoot(_ a: DoubleMatrix) -> DoubleMatrix {
    let n = a.rows, scale = a.norm
    let identity = DoubleMatrix.identity(n)
    var y = (1 / scale) * a, z = identity
    for _ in 0..<60 {
      let zy = z * y
      if (zy - identity).norm < 1e-13 { break }
      let t = 0.5 * (3.0 * identity - zy)
      y = y * t
      z = t * z
    }
    return (1 / scale.squareRoot()) * z
  }
}
