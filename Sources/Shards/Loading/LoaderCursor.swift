// LoaderCursor: where a loader stands in its sample stream. It is all a checkpoint needs to
// resume the exact sequence: the sampler recomputes the epoch's order from the run seed, and
// each sample's crop/transform/noise stream is derived from (seed, rank, loader, epoch, position).

/// The next sample a loader will read: `position` within this rank's order of `epoch`.
public struct LoaderCursor: Codable, Equatable, Hashable, Sendable {
  public var epoch: Int
  public var position: Int

  public init(epoch: Int = 0, position: Int = 0) {
    self.epoch = epoch
    self.position = position
  }
}
