import NTKMath

extension ReLUNetwork {
  /// The layers `name` selects (see `layers(named:)`); a name the network does
  /// not have is refused with `context` (the file or option it came from).
  public func selection(named name: String, context: String) throws -> Range<Int> {
    guard let selection = layers(named: name) else {
      throw StageError(
        "\(context): unknown layer '\(name)': the network has \(layerNames.joined(separator: ", ")) and all "
          + "(W and V name W1 and W2)")
    }
    return selection
  }
}
