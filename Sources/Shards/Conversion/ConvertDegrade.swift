// ConvertDegrade: resolves `noiseda convert --degrade NAME` through the degradation names of
// Degradations/DegradationNames.swift, reporting a bad name as a convert option error.

extension ConversionOptions {
  /// The degradation spelled `name` (`awgn:25`, `camera`, `rain`, `blur:motion`, ...).
  public static func degradation(forOption name: String) throws -> Degradation {
    do {
      return try Shards.degradation(named: name)
    } catch let error as DegradationError {
      throw ConversionError.invalidOption("--degrade: \(error.description)")
    }
  }
}
