// DatasetLayout: how the raw datasets the paper uses are laid out on disk, turned into a sorted
// list of source items (a degraded file, a clean file, or both). Unmatched halves of pairs, and
// files with an image extension that cannot be read (FolderListing), are reported, not dropped.
import Foundation

/// One source image or pair, as found on disk.
public struct SourceItem: Equatable, Sendable {
  /// The degraded (noisy, rainy, blurry) file, if the layout has one.
  public var degraded: String?
  /// The clean (ground-truth) file, if the layout has one.
  public var clean: String?

  public init(degraded: String?, clean: String?) {
    self.degraded = degraded
    self.clean = clean
  }

  /// The path reports name for this item.
  public var label: String { degraded ?? clean ?? "" }
}

/// A raw dataset layout accepted by `noiseda convert --layout`.
public enum DatasetLayout: String, CaseIterable, Sendable {
  /// One folder (searched recursively) of PNG/JPEG images.
  case folder
  /// `--input` (degraded) and `--target` (clean) folders matched by relative path without extension.
  case pairedFolders = "paired-folders"
  /// SIDD Medium sRGB: `*_NOISY_SRGB_*` with `*_GT_SRGB_*` beside it in each scene folder.
  case sidd
  /// DIV2K: folders of clean PNGs.
  case div2k
  /// Flickr2K: folders of clean PNGs.
  case flickr2k
  /// Rain13K (Restormer layout): `input/` and `target/` folders side by side, anywhere below the root.
  case rain13k
  /// SPA-Data in the same `input/` + `target/` layout.
  case spa
  /// GoPro: `blur/` and `sharp/` folders per sequence.
  case gopro
  /// RealBlur: a list file of `gt_path blur_path` lines relative to the dataset root.
  case realblur
  /// MS-COCO: a folder of JPEGs (clean).
  case coco
  /// ImageNet (ILSVRC2012): class folders of JPEGs (clean); with `--list`, only the files it
  /// names, one path relative to the root per line (e.g. I2SB's 10k validation subset).
  case imagenet
  /// RESIDE ITS/OTS (dehazing training): `hazy/` and `clear/` (or `gt/`) side by side, anywhere
  /// below the root; a hazy file pairs with the clear file named by its leading id
  /// (`hazy/1_1_0.90179.png` → `clear/1.png`, `hazy/0001_0.8_0.2.jpg` → `clear/0001.jpg`).
  case reside
  /// SOTS indoor/outdoor (dehazing test): `hazy/` and `gt/` (or `clear/`), the same id rule.
  case sots
  /// NH-HAZE and NH-HAZE2: `NN_hazy.png` with `NN_GT.png` beside it.
  case nhHaze = "nh-haze"

  /// Whether the layout gives degraded/clean pairs (else single images).
  public var isPaired: Bool {
    switch self {
    case .folder, .div2k, .flickr2k, .coco, .imagenet: return false
    case .pairedFolders, .sidd, .rain13k, .spa, .gopro, .realblur, .reside, .sots, .nhHaze: return true
    }
  }

  /// All items under `root`, sorted by path, and the files whose partner is missing.
  /// - Parameters:
  ///   - target: the clean folder of `paired-folders`.
  ///   - list: the list file of `realblur` (relative to `root` or absolute).
  ///   - singleAreDegraded: for single-image layouts, whether the images are degraded (else clean).
  public func items(root: String, target: String?, list: String?, singleAreDegraded: Bool) throws -> (items: [SourceItem], unmatched: [SkippedSource]) {
    try requireDirectory(root)
    switch self {
    case .folder, .div2k, .flickr2k, .coco:
      let extensions: Set<String> = self == .coco ? ["jpg", "jpeg"] : self == .folder ? ImageFile.extensions : ["png"]
      let listing = try imageFiles(under: root, extensions: extensions)
      return (listing.files.map { singleAreDegraded ? SourceItem(degraded: $0, clean: nil) : SourceItem(degraded: nil, clean: $0) }, listing.unusable)
    case .pairedFolders:
      guard let target else { throw ConversionError.invalidOption("--layout paired-folders needs --target CLEAN_FOLDER") }
      try requireDirectory(target)
      return try pairByName(degraded: root, clean: target)
    case .sidd:
      let listing = try imageFiles(under: root, extensions: ImageFile.extensions)
      var items: [SourceItem] = []
      var unmatched = listing.unusable
      for file in listing.files {
        let name = URL(fileURLWithPath: file).lastPathComponent
        guard name.contains("_NOISY_SRGB_") else { continue }
        let partner = URL(fileURLWithPath: file).deletingLastPathComponent()
          .appendingPathComponent(name.replacingOccurrences(of: "_NOISY_SRGB_", with: "_GT_SRGB_")).path
        if FileManager.default.fileExists(atPath: partner) {
          items.append(SourceItem(degraded: file, clean: partner))
        } else {
          unmatched.append(SkippedSource(path: file, reason: "no ground truth \(URL(fileURLWithPath: partner).lastPathComponent) beside it"))
        }
      }
      return (items, unmatched)
    case .rain13k, .spa:
      return try pairSiblingFolders(under: root, degradedName: "input", cleanNames: ["target"])
    case .gopro:
      return try pairSiblingFolders(under: root, degradedName: "blur", cleanNames: ["sharp"])
    case .reside, .sots:
      return try pairSiblingFolders(under: root, degradedName: "hazy", cleanNames: self == .reside ? ["clear", "gt"] : ["gt", "clear"],
                                    pair: pairByLeadingID)
    case .nhHaze:
      return try pairHazyWithGT(under: root)
    case .imagenet:
      let listing = try imageFiles(under: root, extensions: ["jpeg", "jpg", "png"])
      let item = { (file: String) in singleAreDegraded ? SourceItem(degraded: file, clean: nil) : SourceItem(degraded: nil, clean: file) }
      guard let list else { return (listing.files.map(item), listing.unusable) }
      let available = Set(listing.files)
      var items: [SourceItem] = []
      var unmatched = listing.unusable
      for line in try listLines(list, root: root) {
        let path = URL(fileURLWithPath: root).appendingPathComponent(line).standardizedFileURL.path
        if available.contains(path) { items.append(item(path)) } else { unmatched.append(SkippedSource(path: path, reason: "listed in \(list) but not found")) }
      }
      return (items, unmatched)
    case .realblur:
      guard let list else { throw ConversionError.invalidOption("--layout realblur needs --list, e.g. RealBlur_J_train_list.txt") }
      let listPath = list.hasPrefix("/") ? list : URL(fileURLWithPath: root).appendingPathComponent(list).path
      guard let text = try? String(contentsOfFile: listPath, encoding: .utf8) else {
        throw ConversionError.invalidOption("cannot read the RealBlur list \(listPath)")
      }
      var items: [SourceItem] = []
      var unmatched: [SkippedSource] = []
      for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
        let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
        if fields.isEmpty { continue }
        guard fields.count >= 2 else {
          unmatched.append(SkippedSource(path: "\(listPath):\(number + 1)", reason: "expected 'gt_path blur_path'"))
          continue
        }
        let resolve = { (path: String) in URL(fileURLWithPath: root).appendingPathComponent(path).path }
        items.append(SourceItem(degraded: resolve(fields[1]), clean: resolve(fields[0])))
      }
      return (items, unmatched)
    }
  }
}

/// The non-empty lines of a list file (relative to `root` or absolute).
func listLines(_ list: String, root: String) throws -> [String] {
  let path = list.hasPrefix("/") ? list : URL(fileURLWithPath: root).appendingPathComponent(list).path
  guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
    throw ConversionError.invalidOption("cannot read the list file \(path)")
  }
  return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// Image files (by extension, case-insensitive) anywhere below `root` (an absolute, standardised
/// path), sorted, and the entries with an image extension that are not readable files.
func imageFiles(under root: String, extensions: Set<String>) throws -> FolderListing {
  try FolderListing(root: URL(fileURLWithPath: root).standardizedFileURL.path, extensions: extensions, recursive: true)
}

/// Pairs files of `degraded` and `clean` by relative path without extension.
func pairByName(degraded: String, clean: String) throws -> (items: [SourceItem], unmatched: [SkippedSource]) {
  var unmatched: [SkippedSource] = []
  func keyed(_ folder: String) throws -> [String: String] {
    let base = URL(fileURLWithPath: folder).standardizedFileURL.path
    var byKey: [String: String] = [:]
    let listing = try imageFiles(under: folder, extensions: ImageFile.extensions)
    unmatched += listing.unusable
    for file in listing.files {
      let relative = String(file.dropFirst(base.count))
      byKey[(relative as NSString).deletingPathExtension] = file
    }
    return byKey
  }
  let degradedFiles = try keyed(degraded)
  let cleanFiles = try keyed(clean)
  var items: [SourceItem] = []
  for key in degradedFiles.keys.sorted() {
    if let partner = cleanFiles[key] {
      items.append(SourceItem(degraded: degradedFiles[key], clean: partner))
    } else {
      unmatched.append(SkippedSource(path: degradedFiles[key]!, reason: "no clean image of the same name in \(clean)"))
    }
  }
  for key in cleanFiles.keys.sorted() where degradedFiles[key] == nil {
    unmatched.append(SkippedSource(path: cleanFiles[key]!, reason: "no degraded image of the same name in \(degraded)"))
  }
  return (items, unmatched)
}

/// Every folder named `degradedName` below `root` (or `root` itself) with a sibling named by the
/// first of `cleanNames` that exists, their files paired by `pair(degraded, clean)`.
func pairSiblingFolders(under root: String, degradedName: String, cleanNames: [String],
                        pair: (String, String) throws -> (items: [SourceItem], unmatched: [SkippedSource]) = pairByName)
  throws -> (items: [SourceItem], unmatched: [SkippedSource]) {
  var folders: [String] = []
  let rootURL = URL(fileURLWithPath: root).standardizedFileURL
  if rootURL.lastPathComponent == degradedName { folders.append(rootURL.path) }
  if let enumerator = FileManager.default.enumerator(at: rootURL, includingPropertiesForKeys: [.isDirectoryKey]) {
    for case let url as URL in enumerator where url.lastPathComponent == degradedName {
      if (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true { folders.append(url.standardizedFileURL.path) }
    }
  }
  var items: [SourceItem] = []
  var unmatched: [SkippedSource] = []
  let cleanList = cleanNames.map { "'\($0)'" }.joined(separator: " or ")
  for folder in folders.sorted() {
    let parent = URL(fileURLWithPath: folder).deletingLastPathComponent()
    let sibling = cleanNames.lazy.map { parent.appendingPathComponent($0).path }.first { path in
      var isDirectory: ObjCBool = false
      return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
    guard let sibling else {
      unmatched.append(SkippedSource(path: folder, reason: "no \(cleanList) folder beside it"))
      continue
    }
    let pairs = try pair(folder, sibling)
    items += pairs.items
    unmatched += pairs.unmatched
  }
  if folders.isEmpty {
    throw ConversionError.invalidOption("no '\(degradedName)/' folder with a \(cleanList) folder beside it found under \(root)")
  }
  return (items, unmatched)
}

/// Pairs each file of `hazy` with the file of `clean` named by its leading id, the part of its
/// name before the first `_` (the whole name without one): RESIDE's `1_1_0.90179.png` → `1.png`.
/// Several hazy files may share one clear file; clear files no hazy file names are reported.
func pairByLeadingID(hazy: String, clean: String) throws -> (items: [SourceItem], unmatched: [SkippedSource]) {
  let cleanListing = try imageFiles(under: clean, extensions: ImageFile.extensions)
  let hazyListing = try imageFiles(under: hazy, extensions: ImageFile.extensions)
  var cleanByID: [String: String] = [:]
  for file in cleanListing.files where cleanByID[fileStem(file)] == nil {
    cleanByID[fileStem(file)] = file
  }
  var items: [SourceItem] = []
  var unmatched = hazyListing.unusable + cleanListing.unusable
  var used = Set<String>()
  for file in hazyListing.files {
    let id = String(fileStem(file).prefix { $0 != "_" })
    guard !id.isEmpty else {
      unmatched.append(SkippedSource(path: file, reason: "no image id before the first '_'; rename it ID_*.png after its clear image ID.png"))
      continue
    }
    if let partner = cleanByID[id] {
      items.append(SourceItem(degraded: file, clean: partner))
      used.insert(id)
    } else {
      unmatched.append(SkippedSource(path: file, reason: "no clear image \(id).png or \(id).jpg in \(clean)"))
    }
  }
  for id in cleanByID.keys.sorted() where !used.contains(id) {
    unmatched.append(SkippedSource(path: cleanByID[id]!, reason: "no hazy image \(id)_*.png or \(id).png in \(hazy)"))
  }
  return (items, unmatched)
}

/// NH-HAZE's pairs: every `ID_hazy.EXT` below `root` with `ID_GT.EXT` (any image extension,
/// suffixes in any case) in the same folder; the other files are reported.
func pairHazyWithGT(under root: String) throws -> (items: [SourceItem], unmatched: [SkippedSource]) {
  var hazy: [(file: String, key: String)] = []
  var groundTruth: [String: String] = [:]  // by folder/ID
  let listing = try imageFiles(under: root, extensions: ImageFile.extensions)
  var unmatched = listing.unusable
  for file in listing.files {
    let stem = fileStem(file)
    let split = stem.lastIndex(of: "_")
    let id = split.map { String(stem[..<$0]) } ?? ""
    let suffix = split.map { stem[stem.index(after: $0)...].lowercased() } ?? ""
    let key = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(id).path
    switch (id.isEmpty, suffix) {
    case (false, "hazy"): hazy.append((file, key))
    case (false, "gt"): groundTruth[key] = groundTruth[key] ?? file
    default: unmatched.append(SkippedSource(path: file, reason: "not named ID_hazy or ID_GT (NH-HAZE pairs 01_hazy.png with 01_GT.png)"))
    }
  }
  var items: [SourceItem] = []
  for (file, key) in hazy {
    if let partner = groundTruth.removeValue(forKey: key) {
      items.append(SourceItem(degraded: file, clean: partner))
    } else {
      unmatched.append(SkippedSource(path: file, reason: "no ground truth \(URL(fileURLWithPath: key).lastPathComponent)_GT.png beside it"))
    }
  }
  for (key, file) in groundTruth.sorted(by: { $0.value < $1.value }) {
    unmatched.append(SkippedSource(path: file, reason: "no hazy image \(URL(fileURLWithPath: key).lastPathComponent)_hazy.png beside it"))
  }
  return (items, unmatched)
}

/// A file's name without folder and extension.
private func fileStem(_ path: String) -> String {
  URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
}

private func requireDirectory(_ path: String) throws {
  var isDirectory: ObjCBool = false
  guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
    throw ConversionError.invalidOption("no folder at \(path) (check --input and --target)")
  }
}
