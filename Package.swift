// swift-tools-version:6.0
// Learning with neural-tangent features: stage executables over HDF5 artifacts.
//
// Each executable links its own stage module and the shared libraries, and no
// other stage: a change to one stage's code changes only that binary, so Make
// (which stamps each artifact with its binary's digest) reruns only that stage
// and what consumes its outputs.
import PackageDescription

/// A stage: its work in `Sources/Stages/<name>` (module `<name>Stage`) and its
/// command line in `Sources/ntk-<command>` (the executable).
struct Stage {
  var name: String
  var command: String
  var dependencies: [Target.Dependency]
}

let stages = [
  Stage(name: "Truth", command: "truth", dependencies: ["Artifacts", "LegacyRandom", "NTKMath"]),
  Stage(name: "Init", command: "init", dependencies: ["Artifacts", "LegacyRandom", "NTKMath"]),
  Stage(name: "Features", command: "features", dependencies: ["Artifacts", "NTKMath"]),
  Stage(name: "Train", command: "train", dependencies: ["Artifacts", "LinearSVM", "NTKMath"]),
  Stage(name: "Evaluate", command: "evaluate", dependencies: ["Artifacts", "NTKMath"]),
  Stage(name: "GradientDescent", command: "gradient-descent", dependencies: ["Artifacts", "NTKMath", "Tables"]),
  Stage(
    name: "InfiniteKernel", command: "infinite-kernel",
    dependencies: ["Artifacts", "LegacyRandom", "LinearSVM", "NTKMath"]),
  Stage(
    name: "Import", command: "import",
    dependencies: ["Artifacts", "CLibCSV", "CLibZip", "COpenSSL", "HDF5IO", "LegacyRandom", "NTKMath"]),
  Stage(
    name: "TheoryCurve", command: "theory-curve",
    dependencies: ["Artifacts", "NTKMath"]),
  Stage(name: "Report", command: "report", dependencies: ["Artifacts", "Tables"]),
  Stage(name: "SweepReport", command: "sweep-report", dependencies: ["Artifacts", "NTKMath", "Tables"]),
  Stage(
    name: "Spectrum", command: "spectrum",
    dependencies: ["Artifacts", "LegacyRandom", "LinearSVM", "NTKMath", "Tables"]),
  Stage(
    name: "KernelConvergence", command: "kernel-convergence",
    dependencies: ["Artifacts", "LegacyRandom", "NTKMath", "Tables"]),
  // Plot writes HTML through typed elements, so markup comes from code only. It does not escape every string:
  // 0.14.0 keeps entity-like text and writes attribute values as given, so every string from a file or a
  // parameter goes through HTMLEscaping first (Sources/Stages/HTMLReport).
  Stage(
    name: "HTMLReport", command: "html-report",
    dependencies: ["Artifacts", "HDF5IO", "Tables", .product(name: "Plot", package: "Plot")]),
]

/// The stages whose modules the unit tests import.
let testedStages = ["SweepReport", "KernelConvergence"]

/// `make test` builds the unit tests with NTK_UNIT_TESTS=1: the package is then the libraries, the stage modules
/// the tests import and the tests. `swift test` builds every target, and the stage executables are `make`'s
/// (optimised, in .build); building them again unoptimised took the test build from 43 s to 62 s.
let unitTestsOnly = Context.environment["NTK_UNIT_TESTS"] == "1"
let builtStages = unitTestsOnly ? stages.filter { testedStages.contains($0.name) } : stages

let package = Package(
  name: "ntk-pipeline",
  products: unitTestsOnly
    ? [] : stages.map { .executable(name: "ntk-\($0.command)", targets: ["ntk-\($0.command)"]) },
  dependencies: [
    // An application pins its dependencies (Package.resolved stays out of git:
    // the local package mirror's revisions differ from upstream's).
    .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2")
  ] + (unitTestsOnly ? [] : [.package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0")]),
  targets: [
    // C libraries, as system library targets with thin shims.
    // libhdf5 is linked statically (module.modulemap): the shared one loads libcurl and 30 more libraries
    // for its S3 driver, 3 ms of every stage's start. Its .pc file would add the shared one, so none here.
    .systemLibrary(name: "CHDF5", providers: [.apt(["libhdf5-dev"])]),
    .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CLAPACK", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CLibSVM", providers: [.apt(["libsvm-dev"])]),
    .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
    // The compiler's prefetch hint (header only).
    .systemLibrary(name: "CPrefetch"),
    // The readers of imported data sets: .npz archives, CSV, SHA-256 of the source file.
    .systemLibrary(name: "CLibZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
    .systemLibrary(name: "CLibCSV", providers: [.apt(["libcsv-dev"])]),
    .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

    // Shared libraries: the mathematics, the file layer, the artifact schemas.
    .target(name: "LegacyRandom"),
    .target(name: "NTKMath", dependencies: ["CLAPACK", "COpenBLAS", "LegacyRandom"]),
    .target(name: "LinearSVM", dependencies: ["CLibSVM", "COpenBLAS", "CPrefetch", "LegacyRandom", "NTKMath"]),
    .target(name: "ContentDigest", dependencies: ["CXXHash"]),
    // The read watchdog's C part: what its signal handlers and monitor thread run.
    .target(name: "CWatchdog"),
    .target(name: "HDF5IO", dependencies: ["CHDF5", "CWatchdog", "ContentDigest"]),
    .target(name: "Artifacts", dependencies: ["ContentDigest", "HDF5IO", "LinearSVM", "NTKMath"]),
    // What every stage shares: errors, log and progress, numpy's initialisation.
    .target(name: "StageSupport", dependencies: ["Artifacts", "LegacyRandom", "LinearSVM", "NTKMath"]),
    // CSV and Markdown tables of the two report stages.
    .target(name: "Tables", dependencies: ["Artifacts"]),
    // Option groups and argument types of every command line.
    .target(
      name: "StageCLI",
      dependencies: [
        "COpenBLAS", "HDF5IO", "LinearSVM", "NTKMath", "StageSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    .testTarget(
      name: "NTKTests",
      dependencies: [
        "Artifacts", "HDF5IO", "LegacyRandom", "LinearSVM", "NTKMath", "StageCLI", "Tables",
      ] + testedStages.map { .target(name: "\($0)Stage") }),
  ]
    + builtStages.flatMap { stage -> [Target] in
      let module = Target.target(
        name: "\(stage.name)Stage", dependencies: stage.dependencies + ["StageSupport"],
        path: "Sources/Stages/\(stage.name)")
      let executable = Target.executableTarget(
        name: "ntk-\(stage.command)",
        dependencies: [
          .target(name: "\(stage.name)Stage"), "StageCLI",
          .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        // A position-dependent executable: the loader has no 74,000 relocations to apply to it, 2.5 ms of
        // each start (docs/performance.md).
        linkerSettings: [.unsafeFlags(["-Xclang-linker", "-no-pie"])])
      return unitTestsOnly ? [module] : [module, executable]
    }
)
