import HDF5IO
import NTKMath

/// The layers whose tangent features make up a feature row, in order: one
/// block per layer, block k holding θ_k's out·in weights row-major. A single
/// layer is one block; "all" is W1 … WL, u.
///
/// Stored as attributes `block_layers` (names) and `block_shapes` (out, in of
/// each block, flattened: [out₁, in₁, out₂, in₂, …]).
public struct LayerBlocks: Equatable, Sendable, CustomStringConvertible {
  public var names: [String]
  public var shapes: [[Int]]

  public init(names: [String], shapes: [[Int]]) {
    self.names = names
    self.shapes = shapes
  }

  /// The blocks of `selection` in `network`.
  public init(_ network: ReLUNetwork, _ selection: Range<Int>) {
    names = Array(network.layerNames[selection])
    shapes = network.layers[selection].map(\.shape)
  }

  /// Features per sample: Σ out·in.
  public var featureCount: Int { shapes.reduce(0) { $0 + $1[0] * $1[1] } }

  /// Splits a weight vector of `featureCount` into one matrix per block.
  public func split(_ weights: [Double]) -> [Matrix] {
    precondition(weights.count == featureCount)
    var start = 0
    return shapes.map { shape in
      defer { start += shape[0] * shape[1] }
      return Matrix(rows: shape[0], columns: shape[1], values: Array(weights[start..<(start + shape[0] * shape[1])]))
    }
  }

  public var description: String {
    zip(names, shapes).map { "\($0) \($1[0])×\($1[1])" }.joined(separator: ", ")
  }

  func write(to file: HDF5File) throws {
    try file.setAttributes([
      "block_layers": .strings(names),
      "block_shapes": .integers(shapes.flatMap { $0.map(Int64.init) }),
    ])
  }

  static func read(from file: HDF5File) throws -> LayerBlocks {
    guard case .strings(let names) = try file.attribute("block_layers") else {
      throw HDF5Error(file: file.path, "attribute 'block_layers' is not a list of layer names")
    }
    let flat = try file.integers("block_shapes")
    guard !names.isEmpty, flat.count == 2 * names.count, flat.allSatisfy({ $0 > 0 && $0 <= 1 << 24 }) else {
      throw HDF5Error(
        file: file.path,
        "attributes 'block_layers' \(names) and 'block_shapes' \(flat) do not describe the same layers "
          + "(positive sizes up to 2^24)"
      )
    }
    return LayerBlocks(names: names, shapes: stride(from: 0, to: flat.count, by: 2).map { [flat[$0], flat[$0 + 1]] })
  }
}
