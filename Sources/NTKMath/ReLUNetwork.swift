/// A fully connected ReLU network with one output,
///
///     f(x) = u · relu(W_L · … relu(W_1 · x)),
///
/// stored as its layers W_1 … W_L (h_l × h_{l−1}, h_0 = d) followed by the
/// output layer u (1 × h_L): every weight matrix is outputs × inputs.
public struct ReLUNetwork: Equatable, Sendable {
  public var layers: [Matrix]

  public init(layers: [Matrix]) {
    precondition(!layers.isEmpty && layers.last!.rows == 1, "a network ends in a 1 × h output layer")
    for (previous, next) in zip(layers, layers.dropFirst()) {
      precondition(next.columns == previous.rows, "layer of \(next.shape) after a layer of \(previous.shape)")
    }
    self.layers = layers
  }

  /// d, the input dimension.
  public var inputDimension: Int { layers[0].columns }
  /// h_1 … h_L.
  public var hiddenWidths: [Int] { layers.dropLast().map(\.rows) }
  /// The names W1 … WL, u, in storage order.
  public var layerNames: [String] { Self.layerNames(hiddenLayers: layers.count - 1) }

  public static func layerNames(hiddenLayers: Int) -> [String] {
    (1...max(hiddenLayers, 1)).prefix(hiddenLayers).map { "W\($0)" } + ["u"]
  }

  /// Resolves a layer name to the layers it selects: W1 … WL or u (one layer;
  /// the notebook's W and V name W1 and W2), or "all" (every layer, whose
  /// concatenated features are the network's full tangent features).
  /// Returns nil for a name this network does not have.
  public func layers(named name: String) -> Range<Int>? {
    if name == "all" { return layers.indices }
    let aliases = ["W": "W1", "V": "W2"]
    return layerNames.firstIndex(of: aliases[name] ?? name).map { $0..<($0 + 1) }
  }

  /// The canonical name of a selection: W1 … WL, u, or all.
  public func name(of selection: Range<Int>) -> String {
    selection == layers.indices && layers.count > 1 ? "all" : layerNames[selection.lowerBound]
  }

  /// Every intermediate quantity of a forward pass over a block of samples (rows).
  public struct ForwardPass: Sendable {
    /// inputs[l] is the input to layer l, z_{l} (n × h_l): inputs[0] = X, inputs[L] feeds u.
    public var inputs: [Matrix]
    /// preactivations[l] = inputs[l] · W_{l+1}ᵀ for the hidden layers (n × h_{l+1}).
    public var preactivations: [Matrix]
    /// f(x) for every sample.
    public var output: [Double]
  }

  /// The forward pass of the samples in the rows of `x` (n × d), by matrix products.
  public func forward(_ x: Matrix) -> ForwardPass {
    precondition(x.columns == inputDimension, "input of width \(x.columns) for a network on \(inputDimension)")
    var inputs = [x]
    var preactivations: [Matrix] = []
    for weights in layers.dropLast() {
      let a = BLAS.product(inputs.last!, weights, transposeB: true)
      preactivations.append(a)
      inputs.append(a.map(relu))
    }
    let output = BLAS.product(inputs.last!, layers.last!, transposeB: true).values
    return ForwardPass(inputs: inputs, preactivations: preactivations, output: output)
  }

  /// z_k, the input of layer k, for the rows of `x` (z_0 = x).
  public func input(ofLayer k: Int, for x: Matrix) -> Matrix {
    layers[..<k].reduce(x) { z, weights in BLAS.product(z, weights, transposeB: true).map(relu) }
  }

  /// f(x) computed from z_k, the input of layer k: the layers below k are
  /// not recomputed (candidates that differ only from layer k on share z_k).
  public func output(fromInput z: Matrix, ofLayer k: Int) -> [Double] {
    output(fromPreactivation: BLAS.product(z, layers[k], transposeB: true), ofLayer: k)
  }

  /// f(x) computed from a_k = z_k · W_kᵀ, the pre-activation of layer k (for u, f itself).
  public func output(fromPreactivation a: Matrix, ofLayer k: Int) -> [Double] {
    guard k < layers.count - 1 else { return a.values }
    let top = layers[(k + 1)..<(layers.count - 1)].reduce(a.map(relu)) { z, weights in
      BLAS.product(z, weights, transposeB: true).map(relu)
    }
    return BLAS.product(top, layers.last!, transposeB: true).values
  }

  /// sgn(f(x)) for the rows of `x`.
  public func predict(_ x: Matrix) -> [Double] { output(fromInput: x, ofLayer: 0).map(sign) }
}

/// relu(a) = max(a, 0).
@inlinable public func relu(_ a: Double) -> Double { a > 0 ? a : 0 }
/// relu′(a) = 1 if a > 0 else 0.
@inlinable public func reluDerivative(_ a: Double) -> Double { a > 0 ? 1 : 0 }
/// sgn(a) = +1 if a > 0 else −1 (zero goes to −1, as in the notebook).
@inlinable public func sign(_ a: Double) -> Double { a > 0 ? 1 : -1 }
