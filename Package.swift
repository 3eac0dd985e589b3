// swift-tools-version:6.0
// NoiseDA: image-restoration training (Denoising as Adaptation and related methods) on a
// float32 tensor engine over OpenBLAS, data-parallel over Open MPI, data in HDF5 shards.
// Layers (docs/architecture.md): C libraries → Kernels → Tensors → Layers → Comm → Shards →
// Methods → Trainer → noiseda. Each target imports only targets below it.
import Foundation
import PackageDescription

// The CPU NoiseDA's own vector loops (SIMD16<Float>: element-wise ops, im2col, Winograd
// transforms) are compiled for. Without it Swift targets baseline x86-64 and those loops run on
// 128-bit SSE2; haswell (AVX2 + FMA, every x86-64 server CPU since 2013) is the default, and a
// binary built for it refuses to start on a CPU without AVX2 + FMA (CShims) with the command
// that rebuilds it for any x86-64: NOISEDA_TARGET_CPU=x86-64 swift build -c release.
// OpenBLAS picks its own kernels at run time either way.
#if arch(x86_64)
  let targetCPU = ProcessInfo.processInfo.environment["NOISEDA_TARGET_CPU"] ?? "haswell"
  let cpuSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", targetCPU])]
  let cpuCheck: [CSetting] = targetCPU == "x86-64" ? [] : [.define("NOISEDA_REQUIRE_AVX2_FMA")]
#else
  let cpuSettings: [SwiftSetting] = []
  let cpuCheck: [CSetting] = []
#endif

let package = Package(
  name: "NoiseDA",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "noiseda", targets: ["noiseda"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
  ],
  targets: [
    // System libraries, found through pkg-config (Debian 12 names).
    .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
    .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
    .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
    .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
    // What Swift cannot import: MPI/HDF5 handle macros, CPU feature tests, libjpeg/libpng longjmp.
    .target(name: "CShims", dependencies: ["CMPI", "CHDF5", "CJPEG", "CPNG"], cSettings: cpuCheck),

    .target(name: "Kernels", dependencies: ["COpenBLAS", "CShims"], swiftSettings: cpuSettings),
    .target(name: "Tensors", dependencies: ["Kernels"], swiftSettings: cpuSettings),
    .target(name: "Layers", dependencies: ["Kernels", "Tensors", "HDF5Files"], swiftSettings: cpuSettings),

    .target(name: "Comm", dependencies: ["CMPI", "CShims", "Kernels"], swiftSettings: cpuSettings),
    .target(name: "HDF5Files", dependencies: ["CHDF5", "CShims"], swiftSettings: cpuSettings),

    .target(name: "Shards", dependencies: ["Kernels", "Tensors", "HDF5Files", "CPNG", "CJPEG", "CShims"], swiftSettings: cpuSettings),

    .target(name: "Methods", dependencies: ["Tensors", "Layers"], swiftSettings: cpuSettings),
    .target(
      name: "Trainer",
      dependencies: ["Methods", "Layers", "Comm", "Shards", "HDF5Files", "Tensors", "Kernels", .product(name: "Yams", package: "Yams")],
      swiftSettings: cpuSettings),

    .executableTarget(
      name: "noiseda",
      dependencies: [
        "Kernels", "Tensors", "Layers", "Comm", "Shards", "Methods", "Trainer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: cpuSettings),

    .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
    .testTarget(name: "TensorsTests", dependencies: ["Tensors", "Kernels"]),
    .testTarget(name: "LayersTests", dependencies: ["Layers", "Tensors", "HDF5Files"], exclude: ["Fixtures"]),
    .testTarget(name: "MethodsTests", dependencies: ["Methods", "Layers", "Tensors"], exclude: ["Fixtures"]),
    .testTarget(name: "TrainerTests", dependencies: ["Trainer", "Comm", "Shards", "HDF5Files", "Layers", "Tensors"]),
    .testTarget(name: "CommTests", dependencies: ["Comm"]),
    .executableTarget(name: "CommCheck", dependencies: ["Comm", "Kernels"], path: "Tests/CommCheck"),
    .testTarget(name: "HDF5FilesTests", dependencies: ["HDF5Files"]),
    .testTarget(name: "ShardsTests", dependencies: ["Shards", "HDF5Files"]),
    // Runs the built `noiseda` binary (and mpirun) end to end; needs `swift build --build-tests`.
    .testTarget(name: "CommandTests", dependencies: []),
  ],
  swiftLanguageModes: [.v5]
)
