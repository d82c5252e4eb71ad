// swift-tools-version:6.0
// Learning with neural-tangent features: stage executables over HDF5 artifacts.
import PackageDescription

let package = Package(
  name: "ntk-pipeline",
  products: [
    .executable(name: "ntk-truth", targets: ["ntk-truth"]),
    .executable(name: "ntk-init", targets: ["ntk-init"]),
    .executable(name: "ntk-features", targets: ["ntk-features"]),
    .executable(name: "ntk-train", targets: ["ntk-train"]),
    .executable(name: "ntk-evaluate", targets: ["ntk-evaluate"]),
    .executable(name: "ntk-report", targets: ["ntk-report"]),
    .executable(name: "ntk-sweep-report", targets: ["ntk-sweep-report"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    // C libraries, as system library targets with thin shims.
    .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),
    .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CLibSVM", providers: [.apt(["libsvm-dev"])]),
    .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),

    // Libraries: the mathematics, the file layer, the artifact schemas, the stages.
    .target(name: "LegacyRandom"),
    .target(name: "NTKMath", dependencies: ["COpenBLAS"]),
    .target(name: "LinearSVM", dependencies: ["CLibSVM", "NTKMath"]),
    .target(name: "ContentDigest", dependencies: ["CXXHash"]),
    .target(name: "HDF5IO", dependencies: ["CHDF5", "ContentDigest"]),
    .target(name: "Artifacts", dependencies: ["HDF5IO", "LinearSVM", "NTKMath"]),
    .target(
      name: "Stages",
      dependencies: ["Artifacts", "HDF5IO", "LegacyRandom", "LinearSVM", "NTKMath"]),
    .target(
      name: "StageCLI",
      dependencies: ["Stages", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

    // One thin executable per stage.
    .executableTarget(name: "ntk-truth", dependencies: ["StageCLI"]),
    .executableTarget(name: "ntk-init", dependencies: ["StageCLI"]),
    .executableTarget(name: "ntk-features", dependencies: ["StageCLI"]),
    .executableTarget(name: "ntk-train", dependencies: ["StageCLI"]),
    .executableTarget(name: "ntk-evaluate", dependencies: ["StageCLI"]),
    .executableTarget(name: "ntk-report", dependencies: ["StageCLI"]),
    .executableTarget(name: "ntk-sweep-report", dependencies: ["StageCLI"]),

    .testTarget(
      name: "NTKTests",
      dependencies: ["Artifacts", "HDF5IO", "LegacyRandom", "LinearSVM", "NTKMath", "Stages"]),
  ]
)
