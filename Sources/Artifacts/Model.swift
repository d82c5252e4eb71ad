import NTKMath

/// The models a step evaluates, in the order of the tables: the SVM on the
/// tangent features; the network sgn(f(x)) with the step's layer θ set to a
/// candidate built from the initial weights θ0 and the SVM's weights reshaped
/// to the layer, θc; and the baselines beside them (made by their own stages:
/// the SVM on the infinite-width tangent kernel, the network with the layer
/// trained by gradient descent). Adding a model is a case
/// here and its computation in the stage that makes it.
public enum Model: String, CaseIterable, Sendable {
  case classifier
  case netInit = "net_init"
  case netSVM = "net_svm"
  case netNegSVM = "net_neg_svm"
  case netInitTimesSVM = "net_init_x_svm"
  case netNegInitTimesSVM = "net_neg_init_x_svm"
  /// The same SVM on the infinite-width tangent kernel K∞ of the step's layer.
  case ntkInfinite = "ntk_infinite"
  /// Kernel ridge regression with K∞ on the ±1 labels, sign(f) (KernelRidgeRegression).
  case krrInfinite = "krr_infinite"
  /// The network with the step's layer trained by gradient descent on the logistic loss.
  case netTrained = "net_trained"

  /// The column header of the run's table.
  public var label: String {
    switch self {
    case .classifier: "classifier"
    case .netInit: "net θ0"
    case .netSVM: "net θc"
    case .netNegSVM: "net −θc"
    case .netInitTimesSVM: "net θ0⊙θc"
    case .netNegInitTimesSVM: "net −θ0⊙θc"
    case .ntkInfinite: "NTK ∞"
    case .krrInfinite: "KRR ∞"
    case .netTrained: "net trained"
    }
  }

  /// The layer of a candidate network from θ0 and θc (one block of the
  /// selection at a time); nil for a model that is not such a network.
  public func layer(initial: Matrix, learned: Matrix) -> Matrix? {
    switch self {
    case .classifier, .ntkInfinite, .krrInfinite, .netTrained: nil
    case .netInit: initial
    case .netSVM: learned
    case .netNegSVM: -learned
    case .netInitTimesSVM: initial * learned
    case .netNegInitTimesSVM: -(initial * learned)
    }
  }

  /// The candidate whose layer is the negation of this one's: for a single
  /// layer its pre-activations are exactly the negated ones, so they need no
  /// product of their own.
  public var negation: Model? {
    switch self {
    case .netNegSVM: .netSVM
    case .netNegInitTimesSVM: .netInitTimesSVM
    default: nil
    }
  }

  /// The candidate networks, in table order.
  public static let candidates = allCases.filter(\.isCandidateNetwork)

  /// True for the networks with the step's layer set to a candidate (see `layer`).
  public var isCandidateNetwork: Bool {
    switch self {
    case .classifier, .ntkInfinite, .krrInfinite, .netTrained: false
    case .netInit, .netSVM, .netNegSVM, .netInitTimesSVM, .netNegInitTimesSVM: true
    }
  }

  /// What the models are, for the artifacts' descriptions.
  public static let meaning =
    "classifier: the SVM on the features; net_*: sgn(f(x)) with the layer set to θ0 (init), "
    + "θc (SVM weights reshaped), −θc, θ0⊙θc, −θ0⊙θc; ntk_infinite: the SVM on the infinite-width tangent kernel; "
    + "krr_infinite: kernel ridge regression with it, sign(f); "
    + "net_trained: the network with the layer trained by gradient descent"
}

/// A model's 0-1 errors at one step.
public struct ModelResult: Equatable, Sendable {
  public var model: Model
  public var trainError: Double
  /// NaN where not reported.
  public var testError: Double
  /// The test error was computed from features that carry the test labels (meaningless).
  public var leaked: Bool
  /// The model is an approximation of the one named (ntk_infinite and
  /// krr_infinite by the Nyström method, beyond the exact kernel's memory).
  public var approximate: Bool
  /// The test mean squared error (f(x) − y)² of a model with a real-valued
  /// output f (krr_infinite); NaN for the others.
  public var testMSE: Double

  public init(
    model: Model, trainError: Double, testError: Double, leaked: Bool = false, approximate: Bool = false,
    testMSE: Double = .nan
  ) {
    self.model = model
    self.trainError = trainError
    self.testError = testError
    self.leaked = leaked
    self.approximate = approximate
    self.testMSE = testMSE
  }
}
