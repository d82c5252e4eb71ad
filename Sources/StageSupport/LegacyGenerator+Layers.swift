import Foundation
import LegacyRandom
import NTKMath

extension LegacyGenerator {
  /// `np.random.randn(rows, columns) / np.sqrt(fanIn)`: a layer initialized N(0, 1/fan_in),
  /// outputs × inputs. (Division, not multiplication by 1/√n, as numpy rounds it.)
  public mutating func drawLayer(outputs: Int, inputs: Int) -> Matrix {
    let scale = Double(inputs).squareRoot()
    return Matrix(rows: outputs, columns: inputs, values: normals(count: outputs * inputs).map { $0 / scale })
  }

  /// Draws layers `first` … L of a network with input dimension d and hidden
  /// `widths`, in order; u is drawn as numpy's `randn(h_L, 1)`, the same stream.
  public mutating func drawLayers(inputDimension: Int, widths: [Int], from first: Int = 0) -> [Matrix] {
    let sizes = [inputDimension] + widths + [1]
    return (first..<(widths.count + 1)).map { drawLayer(outputs: sizes[$0 + 1], inputs: sizes[$0]) }
  }
}
