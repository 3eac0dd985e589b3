// LoaderError: what can go wrong feeding batches (a source that lacks the images a loader
// needs, a rank setup that cannot work, a stopped queue), as one line naming the fix.

/// A one-line, user-facing error of the sampling and batching path.
public struct LoaderError: Error, CustomStringConvertible, Equatable {
  public let description: String

  public init(_ description: String) { self.description = description }
}
