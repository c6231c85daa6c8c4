import Foundation

/// Multinomial logistic regression over sparse vectors, L2-regularised, trained by L-BFGS on
/// the whole batch: no randomness, so the same examples give the same model.
///
/// Two classes make it an ordinary (one-vs-rest) logistic regression.
public struct SoftmaxRegression: Sendable, Codable, Equatable {
    public var classes: Int
    public var dimension: Int
    /// `dimension × classes` weights, feature-major, then `classes` biases.
    public var weights: [Float]

    /// - Parameters:
    ///   - examples: the vectors, each with its class in `0..<classes`.
    ///   - c: the inverse regularisation strength, as scikit-learn's `C`: the loss is the sum of
    ///     the examples' log losses plus `‖W‖² / 2C`.
    public init(examples: [(SparseVector, Int)], classes: Int, dimension: Int, c: Double, maxIterations: Int = 120) {
        self.classes = classes
        self.dimension = dimension
        let objective = Objective(examples: examples, classes: classes, dimension: dimension, lambda: 1 / c)
        weights = LBFGS.minimise(count: dimension * classes + classes, maxIterations: maxIterations) { w, gradient in
            objective.evaluate(w, gradient: &gradient)
        }.map { Float($0) }
    }

    /// The probability of each class.
    public func probabilities(_ x: SparseVector) -> [Double] {
        var scores = [Double](repeating: 0, count: classes)
        weights.withUnsafeBufferPointer { w in
            for k in 0..<classes { scores[k] = Double(w[dimension * classes + k]) }
            for (j, value) in zip(x.indices, x.values) where Int(j) < dimension {
                let base = Int(j) * classes
                for k in 0..<classes { scores[k] += Double(w[base + k]) * value }
            }
        }
        return Self.softmax(scores)
    }

    static func softmax(_ scores: [Double]) -> [Double] {
        let top = scores.max() ?? 0
        let exps = scores.map { exp($0 - top) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }

    /// Sum of log losses plus `λ‖W‖²/2` (biases unregularised), with its gradient.
    private struct Objective {
        let rowStarts: [Int]
        let columns: [Int32]
        let values: [Double]
        let labels: [Int]
        let classes: Int
        let dimension: Int
        let lambda: Double

        init(examples: [(SparseVector, Int)], classes: Int, dimension: Int, lambda: Double) {
            var rowStarts = [0]
            var columns: [Int32] = []
            var values: [Double] = []
            for (x, _) in examples {
                for (j, v) in zip(x.indices, x.values) where Int(j) < dimension {
                    columns.append(j)
                    values.append(v)
                }
                rowStarts.append(columns.count)
            }
            self.rowStarts = rowStarts
            self.columns = columns
            self.values = values
            labels = examples.map(\.1)
            self.classes = classes
            self.dimension = dimension
            self.lambda = lambda
        }

        func evaluate(_ w: UnsafeBufferPointer<Double>, gradient g: inout [Double]) -> Double {
            let K = classes
            let biasBase = dimension * K
            var loss = 0.0
            var regulariser = 0.0
            g.withUnsafeMutableBufferPointer { g in
                for i in 0..<biasBase {
                    g[i] = lambda * w[i]
                    regulariser += w[i] * w[i]
                }
                for k in 0..<K { g[biasBase + k] = 0 }
                var scores = [Double](repeating: 0, count: K)
                scores.withUnsafeMutableBufferPointer { scores in
                    columns.withUnsafeBufferPointer { columns in
                        values.withUnsafeBufferPointer { values in
                            for row in 0..<labels.count {
                                let start = rowStarts[row], end = rowStarts[row + 1]
                                for k in 0..<K { scores[k] = w[biasBase + k] }
                                for n in start..<end {
                                    let base = Int(columns[n]) * K
                                    let v = values[n]
                                    for k in 0..<K { scores[k] += w[base + k] * v }
                                }
                                var top = scores[0]
                                for k in 1..<K where scores[k] > top { top = scores[k] }
                                var sum = 0.0
                                for k in 0..<K {
                                    scores[k] = exp(scores[k] - top)
                                    sum += scores[k]
                                }
                                let label = labels[row]
                                loss -= log(max(scores[label] / sum, 1e-300))
                                for k in 0..<K { scores[k] = scores[k] / sum - (k == label ? 1 : 0) }
                                for k in 0..<K { g[biasBase + k] += scores[k] }
                                for n in start..<end {
                                    let base = Int(columns[n]) * K
                                    let v = values[n]
                                    for k in 0..<K { g[base + k] += scores[k] * v }
                                }
                            }
                        }
                    }
                }
            }
            return loss + lambda * regulariser / 2
        }
    }
}

/// Limited-memory BFGS with a backtracking (Armijo) line search.
enum LBFGS {
    static func minimise(count: Int, memory: Int = 8, maxIterations: Int,
                         _ evaluate: (UnsafeBufferPointer<Double>, inout [Double]) -> Double) -> [Double] {
        var x = [Double](repeating: 0, count: count)
        var g = [Double](repeating: 0, count: count)
        var f = x.withUnsafeBufferPointer { evaluate($0, &g) }
        var s: [[Double]] = []
        var y: [[Double]] = []
        var rho: [Double] = []
        var trial = x
        var trialGradient = g
        for iteration in 0..<maxIterations {
            // Two-loop recursion: d = -H g.
            var d = g.map { -$0 }
            var alphas = [Double](repeating: 0, count: s.count)
            for i in stride(from: s.count - 1, through: 0, by: -1) {
                alphas[i] = rho[i] * dot(s[i], d)
                axpy(-alphas[i], y[i], &d)
            }
            if let last = s.indices.last {
                let gamma = dot(s[last], y[last]) / dot(y[last], y[last])
                for i in d.indices { d[i] *= gamma }
            } else {
                let norm = dot(g, g).squareRoot()
                if norm > 0 { for i in d.indices { d[i] /= norm } }
            }
            for i in s.indices {
                let beta = rho[i] * dot(y[i], d)
                axpy(alphas[i] - beta, s[i], &d)
            }
            var slope = dot(g, d)
            if slope >= 0 {
                d = g.map { -$0 }
                slope = dot(g, d)
                s.removeAll(); y.removeAll(); rho.removeAll()
            }
            var step = 1.0
            var accepted = false
            var trialValue = f
            for _ in 0..<30 {
                for i in x.indices { trial[i] = x[i] + step * d[i] }
                trialValue = trial.withUnsafeBufferPointer { evaluate($0, &trialGradient) }
                if trialValue <= f + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            guard accepted else { break }
            var sNew = [Double](repeating: 0, count: count)
            var yNew = [Double](repeating: 0, count: count)
            for i in x.indices {
                sNew[i] = trial[i] - x[i]
                yNew[i] = trialGradient[i] - g[i]
            }
            let sy = dot(sNew, yNew)
            if sy > 1e-12 {
                if s.count == memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
                s.append(sNew); y.append(yNew); rho.append(1 / sy)
            }
            let decrease = f - trialValue
            swap(&x, &trial)
            swap(&g, &trialGradient)
            f = trialValue
            if iteration > 2, decrease <= 1e-6 * max(1, abs(f)) { break }
            if dot(g, g).squareRoot() <= 1e-5 * max(1, dot(x, x).squareRoot()) { break }
        }
        return x
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var sum = 0.0
                for i in 0..<a.count { sum += a[i] * b[i] }
                return sum
            }
        }
    }

    static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                for i in 0..<x.count { y[i] += alpha * x[i] }
            }
        }
    }
}
