// DehazingLayoutTests: the reside, sots and nh-haze layouts on miniature PNG/JPEG trees — which
// hazy file pairs with which clear one, what is reported (missing partners, unparsable names),
// and what each shard kind keeps of the pairs (RESIDE's ten hazy images per clear one store
// that clear image once in clean shards).
import Foundation
import Shards
import XCTest

final class DehazingLayoutTests: XCTestCase {
  /// Writes a small distinct picture at each path below `root`, creating folders.
  private func write(_ files: [String], under root: ScratchFolder) throws {
    for (seed, file) in files.enumerated() {
      try FileManager.default.createDirectory(atPath: (root.path(file) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try ImageFile.write(testPicture(width: 8, height: 8, seed: seed), to: root.path(file))
    }
  }

  func testResidePairsHazyFilesWithTheirClearImageByLeadingID() throws {
    let root = try ScratchFolder("reside")
    defer { root.remove() }
    try write(["ITS/hazy/1_1_0.90179.png", "ITS/hazy/1_2_0.8.png", "ITS/hazy/2_1_0.7.png", "ITS/hazy/3_1_0.9.png", "ITS/hazy/_0.9.png",
               "ITS/clear/1.png", "ITS/clear/2.png", "ITS/clear/4.png",
               "OTS/hazy/0001_0.8_0.2.jpg", "OTS/gt/0001.jpg"], under: root)
    let found = try DatasetLayout.reside.items(root: root.url.path, target: nil, list: nil, singleAreDegraded: false)
    XCTAssertEqual(found.items, [
      SourceItem(degraded: root.path("ITS/hazy/1_1_0.90179.png"), clean: root.path("ITS/clear/1.png")),
      SourceItem(degraded: root.path("ITS/hazy/1_2_0.8.png"), clean: root.path("ITS/clear/1.png")),
      SourceItem(degraded: root.path("ITS/hazy/2_1_0.7.png"), clean: root.path("ITS/clear/2.png")),
      SourceItem(degraded: root.path("OTS/hazy/0001_0.8_0.2.jpg"), clean: root.path("OTS/gt/0001.jpg")),
    ])
    XCTAssertEqual(found.unmatched.map(\.path), [root.path("ITS/hazy/3_1_0.9.png"), root.path("ITS/hazy/_0.9.png"), root.path("ITS/clear/4.png")])
    XCTAssert(found.unmatched[0].reason.contains("no clear image 3.png"), found.unmatched[0].reason)
    XCTAssert(found.unmatched[1].reason.contains("no image id"), found.unmatched[1].reason)
    XCTAssert(found.unmatched[2].reason.contains("no hazy image 4_"), found.unmatched[2].reason)

    try FileManager.default.createDirectory(atPath: root.path("other/images"), withIntermediateDirectories: true)
    XCTAssertThrowsError(try DatasetLayout.reside.items(root: root.path("other"), target: nil, list: nil, singleAreDegraded: false)) { error in
      XCTAssert("\(error)".contains("no 'hazy/' folder with a 'clear' or 'gt' folder beside it"), "\(error)")
    }
  }

  func testSotsPrefersGTAndNHHazePairsWithinAFolder() throws {
    let root = try ScratchFolder("sots-nh")
    defer { root.remove() }
    try write(["sots/indoor/hazy/1400_1.png", "sots/indoor/hazy/1400_2.png", "sots/indoor/hazy/1401_1.png",
               "sots/indoor/gt/1400.png", "sots/indoor/gt/1401.png", "sots/indoor/clear/1401.png",
               "sots/outdoor/hazy/0001_0.8_0.2.jpg", "sots/outdoor/hazy/0002_0.8_0.2.jpg", "sots/outdoor/gt/0001.png",
               "nh/01_hazy.png", "nh/01_GT.png", "nh/02_hazy.png", "nh/03_GT.png", "nh/notes.png", "nh/2021/01_hazy.png", "nh/2021/01_GT.png"],
              under: root)
    let sots = try DatasetLayout.sots.items(root: root.path("sots"), target: nil, list: nil, singleAreDegraded: false)
    XCTAssertEqual(sots.items.map(\.clean), ["indoor/gt/1400.png", "indoor/gt/1400.png", "indoor/gt/1401.png", "outdoor/gt/0001.png"].map { root.path("sots/" + $0) })
    XCTAssertEqual(sots.unmatched.map(\.path), [root.path("sots/outdoor/hazy/0002_0.8_0.2.jpg")])

    let nh = try DatasetLayout.nhHaze.items(root: root.path("nh"), target: nil, list: nil, singleAreDegraded: false)
    XCTAssertEqual(nh.items, [SourceItem(degraded: root.path("nh/01_hazy.png"), clean: root.path("nh/01_GT.png")),
                              SourceItem(degraded: root.path("nh/2021/01_hazy.png"), clean: root.path("nh/2021/01_GT.png"))])
    XCTAssertEqual(nh.unmatched.map(\.path), [root.path("nh/notes.png"), root.path("nh/02_hazy.png"), root.path("nh/03_GT.png")])
    XCTAssertEqual(nh.unmatched.map(\.reason), ["not named ID_hazy or ID_GT (NH-HAZE pairs 01_hazy.png with 01_GT.png)",
                                                "no ground truth 02_GT.png beside it", "no hazy image 03_hazy.png beside it"])
  }

  /// pairs and val keep (hazy, clear), real the hazy images alone, clean each clear image once.
  func testEachKindKeepsItsHalfOfTheResidePairs() throws {
    let root = try ScratchFolder("reside-kinds")
    defer { root.remove() }
    let files = ["hazy/1_1_0.9.png", "hazy/1_2_0.8.png", "hazy/2_1_0.7.png", "clear/1.png", "clear/2.png"]
    try write(files, under: root)
    let picture = { (file: String) in testPicture(width: 8, height: 8, seed: files.firstIndex(of: file)!) }
    for kind in [ShardKind.pairs, .val, .real, .clean] {
      let out = try ScratchFolder("reside-\(kind.rawValue)")
      defer { out.remove() }
      let options = ConversionOptions(layout: .reside, input: root.url.path, kind: kind, task: "dehaze", tile: 8, output: out.url.path)
      let report = try Converter(options: options, runID: "test", log: { _ in }).run(rank: 0, worldSize: 1, barrier: {})
      XCTAssertEqual(report.skipped, [], "\(kind)")
      let set = try ShardSet(folder: out.url.path)
      let sources = try set.readers.flatMap { try $0.sources() }.map { String($0.dropFirst(root.url.path.count + 1)) }
      let samples = try (0..<set.count).map { try set.sample($0) }
      switch kind {
      case .clean:
        XCTAssertEqual(sources, ["clear/1.png", "clear/2.png"])
        XCTAssertEqual(samples.map(\.target), sources.map(picture))
        XCTAssert(samples.allSatisfy { $0.input == nil })
      default:
        XCTAssertEqual(sources, ["hazy/1_1_0.9.png", "hazy/1_2_0.8.png", "hazy/2_1_0.7.png"], "\(kind)")
        XCTAssertEqual(samples.map(\.input), sources.map(picture), "\(kind)")
        XCTAssertEqual(samples.map(\.target), kind == .real ? [nil, nil, nil] : ["clear/1.png", "clear/1.png", "clear/2.png"].map(picture), "\(kind)")
      }
    }
  }
}
