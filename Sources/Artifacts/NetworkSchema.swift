import HDF5IO
import NTKMath

/// A ReLU network stored as a group (by default `/network`): one dataset per
/// layer, W1 … WL and u, each outputs × inputs with its `description`; the
/// group's attributes `layer_names`, `input_dimension`, `hidden_widths` and the formula.
public enum NetworkSchema {
  public static let group = "/network"

  public static func write(
    _ network: ReLUNetwork, to file: HDF5File, group: String = group, description: String
  )
    throws
  {
    try file.createGroup(group)
    try file.setAttributes(
      [
        "description": .string(description),
        "formula": .string("f(x) = u · relu(W_L · … relu(W_1 · x)); each weight matrix is outputs × inputs"),
        "layer_names": .strings(network.layerNames),
        "input_dimension": .integer(Int64(network.inputDimension)),
        "hidden_widths": .integers(network.hiddenWidths.map(Int64.init)),
      ], on: group)
    for (index, (name, layer)) in zip(network.layerNames, network.layers).enumerated() {
      let path = "\(group)/\(name)"
      try file.write(layer.values, shape: layer.shape, to: path)
      try file.setAttribute("description", .string(layerDescription(name, index: index + 1)), on: path)
    }
  }

  /// What a weight dataset holds, with its place in the formula: W_l is layer l's (h_l = relu(W_l · h_{l−1}),
  /// h_0 = x), u the output's.
  static func layerDescription(_ name: String, index: Int) -> String {
    name == "u"
      ? "the output weights, 1 × h_L (outputs × inputs): f(x) = u · h_L"
      : "the weights of hidden layer \(index), outputs × inputs: h_\(index) = relu(\(name) · h_\(index - 1)), h_0 = x"
  }

  /// Reads and checks a network: the layers must chain, u must have one row,
  /// the attributes must agree with the datasets, every weight must be finite.
  public static func read(from file: HDF5File, group: String = group) throws -> ReLUNetwork {
    guard file.exists(group) else {
      throw HDF5Error(file: file.path, object: group, "missing (no network in this file)")
    }
    let widths = try file.integers("hidden_widths", of: group)
    let dimension = try file.integers("input_dimension", of: group)
    guard dimension.count == 1, let inputDimension = dimension.first, inputDimension > 0, widths.allSatisfy({ $0 > 0 })
    else {
      throw HDF5Error(
        file: file.path, object: group,
        "attributes input_dimension \(dimension) and hidden_widths \(widths) must be positive integers")
    }
    var layers: [Matrix] = []
    var fanIn = inputDimension
    for (name, width) in zip(ReLUNetwork.layerNames(hiddenLayers: widths.count), widths + [1]) {
      let dataset = try file.dataset("\(group)/\(name)", rank: 2)
      try dataset.expect(
        shape: [width, fanIn], "the group's attributes say input_dimension \(inputDimension), hidden_widths \(widths)")
      layers.append(try dataset.readMatrix())
      fanIn = width
    }
    return ReLUNetwork(layers: layers)
  }
}
