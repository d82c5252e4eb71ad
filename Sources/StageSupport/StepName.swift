/// How logs name a step: as the tables do, by the label it was asked for (W, V, u, W1, all), with the layer
/// beside it where the two differ: "step V (layer W2)", "step u".
public func stepName(label: String, layer: String) -> String {
  label == layer ? "step \(label)" : "step \(label) (layer \(layer))"
}
