// SolveReport: what `noiseda solve` prints and writes with --json — each image's PSNR/SSIM
// (with --measure) and equivariance error (with --mpe), and their means.
import Foundation
import Trainer

/// What `noiseda solve --json` writes: each image's figures and their means.
struct SolveReport: Encodable {
  struct Image: Encodable {
    let input: String
    let output: String
    let quality: ImageQuality?
    let equivarianceError: Double?

    var line: String {
      var text = "\(input) → \(output)"
      if let q = quality { text += String(format: "  PSNR %.2f dB  SSIM %.4f (RGB)", q.psnrRGB, q.ssimRGB) }
      if let e = equivarianceError { text += String(format: "  E %.5f", e) }
      return text
    }
  }

  var images: [Image]

  var meanQuality: ImageQuality? {
    let all = images.compactMap(\.quality)
    return all.isEmpty ? nil : ImageQuality.mean(all)
  }

  var meanEquivarianceError: Double? {
    let all = images.compactMap(\.equivarianceError)
    return all.isEmpty ? nil : all.reduce(0, +) / Double(all.count)
  }

  var meanLine: String {
    var text = "mean of \(images.count) images"
    if let q = meanQuality { text += String(format: "  PSNR %.2f dB  SSIM %.4f (RGB)", q.psnrRGB, q.ssimRGB) }
    if let e = meanEquivarianceError { text += String(format: "  E %.5f", e) }
    return text
  }

  enum CodingKeys: String, CodingKey { case images, meanQuality = "mean_quality", meanEquivarianceError = "mean_equivariance_error" }

  func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(images, forKey: .images)
    try container.encodeIfPresent(meanQuality, forKey: .meanQuality)
    try container.encodeIfPresent(meanEquivarianceError, forKey: .meanEquivarianceError)
  }
}
