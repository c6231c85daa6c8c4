import Foundation
import Metrics
import Prometheus

/// One registry for the test process: swift-metrics can be bootstrapped once.
enum TestMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// A parser of the Prometheus text exposition format (0.0.4): `# HELP`, `# TYPE` and samples
/// `name{label="value",…} value [timestamp]`. Throws on any line that is not well formed.
enum PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Malformed: Error, CustomStringConvertible {
        var line: String
        var why: String
        var description: String { "\(why): \(line)" }
    }

    static func parse(_ text: String) throws -> (samples: [Sample], types: [String: String]) {
        var samples: [Sample] = []
        var types: [String: String] = [:]
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
                if parts.count >= 2, parts[1] == "TYPE" {
                    guard parts.count == 4, isName(parts[2]), ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                        throw Malformed(line: line, why: "bad TYPE line")
                    }
                    guard types[parts[2]] == nil else { throw Malformed(line: line, why: "second TYPE for one metric") }
                    types[parts[2]] = parts[3]
                } else if parts.count >= 2, parts[1] == "HELP" {
                    guard parts.count >= 3, isName(parts[2]) else { throw Malformed(line: line, why: "bad HELP line") }
                }
                continue
            }
            samples.append(try sample(line))
        }
        return (samples, types)
    }

    private static func sample(_ line: String) throws -> Sample {
        var index = line.startIndex
        while index < line.endIndex, line[index] != "{", line[index] != " " { index = line.index(after: index) }
        let name = String(line[..<index])
        guard isName(name) else { throw Malformed(line: line, why: "bad metric name") }
        var labels: [String: String] = [:]
        if index < line.endIndex, line[index] == "{" {
            index = line.index(after: index)
            while line[index] != "}" {
                let keyStart = index
                while index < line.endIndex, line[index] != "=" { index = line.index(after: index) }
                let key = String(line[keyStart..<index])
                guard isName(key), index < line.endIndex else { throw Malformed(line: line, why: "bad label name") }
                index = line.index(after: index)
                guard index < line.endIndex, line[index] == "\"" else { throw Malformed(line: line, why: "label value not quoted") }
                index = line.index(after: index)
                var value = ""
                while index < line.endIndex, line[index] != "\"" {
                    if line[index] == "\\" {
                        index = line.index(after: index)
                        guard index < line.endIndex else { throw Malformed(line: line, why: "dangling escape") }
                        switch line[index] {
                        case "n": value.append("\n")
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        default: throw Malformed(line: line, why: "bad escape")
                        }
                    } else {
                        value.append(line[index])
                    }
                    index = line.index(after: index)
                }
                guard index < line.endIndex else { throw Malformed(line: line, why: "unterminated label value") }
                labels[key] = value
                index = line.index(after: index)
                if index < line.endIndex, line[index] == "," { index = line.index(after: index) }
                guard index < line.endIndex else { throw Malformed(line: line, why: "unterminated labels") }
            }
            index = line.index(after: index)
        }
        let rest = line[index...].split(separator: " ")
        guard (1...2).contains(rest.count), let value = Double(rest[0]) ?? ["+Inf": Double.infinity, "-Inf": -.infinity, "NaN": .nan][String(rest[0])] else {
            throw Malformed(line: line, why: "bad value")
        }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func isName(_ name: String) -> Bool {
        name.range(of: #"^[a-zA-Z_:][a-zA-Z0-9_:]*$"#, options: .regularExpression) != nil
    }
}
