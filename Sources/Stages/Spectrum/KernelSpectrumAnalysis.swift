import Artifacts
import Foundation
import LegacyRandom
import LinearSVM
import NTKMath
import StageSupport
import Tables

/// The per-step analysis of why a layer learns as it does: for each of the
/// step's kernels on its training set, the kernel–target alignment
/// (KernelAlignment) and the spectrum with the target's power in each
/// eigendirection (KernelSpectrum); see SpectrumArtifact.
///
/// - K0 = G Gᵀ from the step's features file (dense or factored rows); its
///   alignment on all m samples, exactly, with no m × m matrix
///   (KernelAlignment.ofFeatures chooses the feature Gram or the kernel's rows
///   in blocks, whichever costs less).
/// - K_T (with `trainedPath`): the same for the tangent features of the trained
///   network's layer, computed as ntk-features computes them (the same feature
///   kind), kept factored.
/// - K∞ (with `infinite`): InfiniteWidthNTK of the network's architecture, its
///   rows in blocks, never stored; on all m samples where K∞'s m × m copy in
///   libsvm (16·m² bytes) would fit `kernelMemory`, the infinite-kernel stage's
///   limit of the exact kernel (its cost is then that stage's), otherwise on a
///   recorded seeded subset of the largest size that fits.
///
/// Spectra on n = min(m, `sampleLimit`) samples: all when m ≤ the limit, else the
/// first n of numpy's `RandomState(seed).permutation(m)`, ascending (the K∞
/// alignment subset is a prefix of the same permutation). Time: one n × n
/// eigendecomposition per kernel (O(n³), dominant at n = 2000) and the
/// alignments.
public struct KernelSpectrumAnalysis: Sendable {
  public var truthPath: String
  public var networkPath: String
  public var featuresPath: String
  public var trainedPath: String?
  public var infinite: Bool
  /// The most training samples of a spectrum (SPECTRUM_SAMPLES).
  public var sampleLimit: Int
  public var seed: UInt32
  /// K∞'s alignment uses all m samples where 16·m² bytes fit this.
  public var kernelMemory: Int

  public static let defaultSampleLimit = 2000

  public init(
    truthPath: String, networkPath: String, featuresPath: String, trainedPath: String? = nil, infinite: Bool = false,
    sampleLimit: Int = defaultSampleLimit, seed: UInt32 = 0, kernelMemory: Int = SolverChoice.defaultKernelMemory
  ) {
    precondition(sampleLimit >= 2, "a spectrum needs at least 2 samples")
    self.truthPath = truthPath
    self.networkPath = networkPath
    self.featuresPath = featuresPath
    self.trainedPath = trainedPath
    self.infinite = infinite
    self.sampleLimit = sampleLimit
    self.seed = seed
    self.kernelMemory = kernelMemory
  }

  /// The first `count` of numpy's RandomState(seed).permutation(m), ascending; all of 0..<m when count ≥ m.
  public static func subset(samples m: Int, count: Int, seed: UInt32) -> [Int] {
    guard count < m else { return Array(0..<m) }
    var generator = LegacyGenerator(seed: seed)
    return generator.permutation(m).prefix(count).sorted()
  }

  /// One step's folder: its inputs `network.h5`, `features.h5` (and `trained.h5`), its outputs
  /// `spectrum.h5` and `spectrum.csv`.
  public struct Step: Sendable {
    public var folder: String
    public var trained: Bool

    public init(folder: String, trained: Bool) {
      self.folder = folder
      self.trained = trained
    }
  }

  /// The analysis of every step of a run in one process (a process start costs
  /// about as much as the analysis at m = 100): each folder's spectrum.h5 and
  /// spectrum.csv (kernel, index, eigenvalue, target_power,
  /// cumulative_target_power; for gnuplot), and the run's alignment table
  /// (AlignmentTable) where asked; every file or none.
  public static func run(
    truthPath: String, steps: [Step], infinite: Bool, sampleLimit: Int, seed: UInt32, kernelMemory: Int,
    alignmentCSV: String?, alignmentMarkdown: String?, log: StageLog
  ) throws {
    var outputs: [(step: Step, written: Written)] = []
    for step in steps {
      let analysis = KernelSpectrumAnalysis(
        truthPath: truthPath, networkPath: step.folder + "/network.h5", featuresPath: step.folder + "/features.h5",
        trainedPath: step.trained ? step.folder + "/trained.h5" : nil, infinite: infinite, sampleLimit: sampleLimit,
        seed: seed, kernelMemory: kernelMemory)
      outputs.append((step, try analysis.compute(log: log)))
    }
    var table = AlignmentTable()
    for output in outputs { table.append(step: output.written.layerLabel, kernels: output.written.kernels) }
    func write(_ index: Int) throws {
      guard index < outputs.count else {
        return try writeTogether([(table.csv.text, alignmentCSV), (table.markdown.text, alignmentMarkdown)])
      }
      let (step, written) = outputs[index]
      try written.write(output: step.folder + "/spectrum.h5", csv: step.folder + "/spectrum.csv") {
        try write(index + 1)
      }
    }
    try write(0)
  }

  /// A step's results, ready to be written.
  public struct Written: Sendable {
    var provenance: Provenance
    var layer: String
    public var layerLabel: String
    var trainingSamples: Int
    var spectrumSamples: [Int]
    var sampleLimit: Int
    var seed: Int
    public var kernels: [SpectrumArtifact.KernelResult]

    /// Writes the artifact to `output` and the spectra as CSV to `csv`, then `inside`: all or none.
    public func write(output: String, csv csvPath: String?, inside: () throws -> Void = {}) throws {
      var table = CSVTable(columns: ["kernel", "index", "eigenvalue", "target_power", "cumulative_target_power"])
      for result in kernels {
        let s = result.spectrum
        for k in s.eigenvalues.indices {
          table.append([
            result.kernel.rawValue, "\(k + 1)", format(s.eigenvalues[k]), format(s.targetPower[k]),
            format(s.cumulativeTargetPower[k]),
          ])
        }
      }
      try writeTogether([(table.text, csvPath)]) {
        try SpectrumArtifact.write(
          to: output, provenance: provenance, layer: layer, layerLabel: layerLabel, trainingSamples: trainingSamples,
          spectrumSamples: spectrumSamples, sampleLimit: sampleLimit, seed: seed, kernels: kernels, inside: inside)
      }
    }
  }

  /// A step's inputs, checked against each other, and the samples of its spectra.
  struct Inputs {
    var truth: TruthArtifact
    var network: ReLUNetwork
    var features: FeaturesArtifact
    var trained: ReLUNetwork?
    var selection: Range<Int>
    /// The selection's name.
    var name: String
    /// The log's prefix: the step as the tables name it, with the layer (stepName).
    var label: String { stepName(label: features.layerLabel, layer: name) }
    var y: [Double]
    var m: Int { y.count }
    /// The samples of the spectra, and their labels.
    var spectrumSamples: [Int]
    var ySpectrum: [Double]
  }

  /// Computes the step's alignments and spectra (see the type's description): K0, then K∞ and K_T where asked.
  public func compute(log: StageLog) throws -> Written {
    let inputs = try readInputs()
    let inputFiles = [truthPath, networkPath, featuresPath] + (trainedPath.map { [$0] } ?? [])
    let provenance = try Provenance(
      program: "ntk-spectrum",
      parameters: [
        ("infinite_kernel", .integer(infinite ? 1 : 0)),
        ("kernel_memory_bytes", .integer(Int64(kernelMemory))),
      ], inputFiles: inputFiles)
    let (m, n) = (inputs.m, inputs.spectrumSamples.count)
    log("\(inputs.label): alignment on \(m) training samples, spectra on \(n)" + (n < m ? " (seed \(seed))" : ""))
    var results = [finiteKernel(.initial, try inputs.features.rows(.train), inputs, log: log)]
    if infinite { results.append(try infiniteKernel(inputs, log: log)) }
    if let trained = inputs.trained {
      let x = try inputs.truth.inputs(.train).readMatrix()
      let kind = inputs.features.featureKind
      let g = FeatureRows.factored(
        trained.tangentFactors(
          of: inputs.selection, at: trained.forward(x), lossGradientLabels: kind == .lossGradient ? inputs.y : nil))
      results.append(finiteKernel(.trained, g, inputs, log: log))
    }
    return Written(
      provenance: provenance, layer: inputs.name, layerLabel: inputs.features.layerLabel, trainingSamples: m,
      spectrumSamples: inputs.spectrumSamples, sampleLimit: sampleLimit, seed: Int(seed), kernels: results)
  }

  /// Reads the truth, the network, the features (and the trained network) and checks that they belong together.
  func readInputs() throws -> Inputs {
    let truth = try TruthArtifact(path: truthPath)
    let student = try NetworkArtifact(path: networkPath)
    try student.requireInputs(of: truth)
    let features = try FeaturesArtifact(path: featuresPath)
    try features.file.requireMade(from: truth.file)
    try features.file.requireMade(from: student.file)
    let network = student.network
    let selection = try network.selection(named: features.layerLabel, context: featuresPath)
    let name = network.name(of: selection)
    guard name == features.layer else {
      throw StageError("\(featuresPath): features of layer \(features.layer), but \(networkPath) names it \(name)")
    }
    let trained = try trainedPath.map { path -> ReLUNetwork in
      let (file, trainedNetwork) = try TrainedNetworkArtifact.read(path: path)
      try file.requireMade(from: student.file)
      guard trainedNetwork.layers.map(\.shape) == network.layers.map(\.shape) else {
        throw StageError("\(path): the trained network's shape differs from \(networkPath)'s")
      }
      return trainedNetwork
    }
    let y = try truth.labels(.train)
    let m = y.count
    guard features.sampleCounts[.train] == m else {
      throw StageError("\(featuresPath): \(features.sampleCounts[.train]!) training rows, but \(truthPath) has \(m)")
    }
    let spectrumSamples = Self.subset(samples: m, count: sampleLimit, seed: seed)
    return Inputs(
      truth: truth, network: network, features: features, trained: trained, selection: selection, name: name, y: y,
      spectrumSamples: spectrumSamples, ySpectrum: spectrumSamples.map { y[$0] })
  }

  /// K0 or K_T from its feature rows: the alignment on all m samples (KernelAlignment.ofFeatures), the spectrum
  /// of the spectrum samples' Gram matrix.
  func finiteKernel(
    _ kernel: SpectrumArtifact.Kernel, _ g: FeatureRows, _ inputs: Inputs, log: StageLog
  ) -> SpectrumArtifact.KernelResult {
    let (m, n) = (inputs.m, inputs.spectrumSamples.count)
    let started = Date()
    let (alignment, method) = log.working("\(inputs.label): \(kernel.rawValue): alignment on \(m) samples") {
      KernelAlignment.ofFeatures(labels: inputs.y, features: g)
    }
    let aligned = Date()
    let spectrum = log.working("\(inputs.label): \(kernel.rawValue): spectrum of \(n)") {
      KernelSpectrum(kernel: g.rows(at: inputs.spectrumSamples).gram(), labels: inputs.ySpectrum)
    }
    log(
      "\(inputs.label): \(kernel.rawValue): alignment \(alignment.uncentred), centred \(alignment.centred) "
        + "(\(method.rawValue), \(seconds(started, aligned)) s); spectrum of \(n) in \(seconds(aligned, Date())) s")
    return .init(kernel: kernel, alignment: alignment, alignmentMethod: method.description, spectrum: spectrum)
  }

  /// K∞ from its rows in blocks: the alignment on all m samples where libsvm's copy of K∞ would fit
  /// `kernelMemory` (SolverChoice.kernelFits), else on the largest seeded subset that fits; the spectrum of the
  /// spectrum samples' K∞.
  func infiniteKernel(_ inputs: Inputs, log: StageLog) throws -> SpectrumArtifact.KernelResult {
    let (m, n, y, selection) = (inputs.m, inputs.spectrumSamples.count, inputs.y, inputs.selection)
    let started = Date()
    let x = try inputs.truth.inputs(.train).readMatrix()
    let ntk = InfiniteWidthNTK(architectureOf: inputs.network)
    let exact = SolverChoice.kernelFits(samples: m, kernelMemory: kernelMemory)
    let alignmentSamples =
      exact ? Array(0..<m) : Self.subset(samples: m, count: Int((Double(kernelMemory) / 16).squareRoot()), seed: seed)
    guard alignmentSamples.count >= 2 else {
      throw StageError("--kernel-memory-gib leaves K∞'s alignment fewer than 2 of the \(m) training samples")
    }
    let xAligned = exact ? x : x.rows(at: alignmentSamples)
    let yAligned = alignmentSamples.map { y[$0] }
    let a = alignmentSamples.count
    let alignment = log.working("\(inputs.label): K_infinite: alignment on \(a) samples") {
      KernelAlignment.fromKernelRows(labels: yAligned, blockRows: max(1, min(a, (1 << 20) / a))) {
        ntk.kernel(rows: $0, of: xAligned, layers: selection)
      }
    }
    let aligned = Date()
    let spectrum = log.working("\(inputs.label): K_infinite: spectrum of \(n)") {
      KernelSpectrum(
        kernel: ntk.kernel(of: x.rows(at: inputs.spectrumSamples), layers: selection), labels: inputs.ySpectrum)
    }
    log(
      "\(inputs.label): K_infinite: alignment \(alignment.uncentred), centred \(alignment.centred) on \(a) samples "
        + "(\(seconds(started, aligned)) s); spectrum of \(n) in \(seconds(aligned, Date())) s")
    return .init(
      kernel: .infinite, alignment: alignment,
      alignmentMethod: KernelAlignment.Method.sampleBlocks.description
        + (exact
          ? "" : "; on a seeded subset of \(a) samples (alignment_samples): 16·m² bytes exceed the kernel memory"),
      alignmentSubset: exact ? nil : alignmentSamples, spectrum: spectrum)
  }
}

private func seconds(_ from: Date, _ to: Date) -> String { String(format: "%.2f", to.timeIntervalSince(from)) }
