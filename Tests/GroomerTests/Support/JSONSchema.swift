import Foundation

import GroomerCore

typealias JSON = JSONValue

/// A validator for the JSON Schema subset used by octokit's webhook schemas (draft-07) and by
/// the OpenAPI 3.0 schemas of GitHub's REST description (`nullable`, `#/components/…` refs).
final class SchemaValidator {
    private var documents: [String: JSON] = [:]

    /// Validates `value` against the schema document at `file`; returns the problems found.
    func validate(_ value: JSON, schemaFile file: URL) throws -> [String] {
        let schema = try document(file)
        var errors: [String] = []
        check(value, schema, file: file, document: schema, path: "$", errors: &errors)
        return errors
    }

    /// Validates `value` against `schema`, a fragment of the document at `file`.
    func validate(_ value: JSON, schema: JSON, inDocument file: URL) throws -> [String] {
        let root = try document(file)
        var errors: [String] = []
        check(value, schema, file: file, document: root, path: "$", errors: &errors)
        return errors
    }

    private func document(_ file: URL) throws -> JSON {
        if let cached = documents[file.path] { return cached }
        let parsed = try JSON.parse(try Data(contentsOf: file))
        documents[file.path] = parsed
        return parsed
    }

    private func resolve(_ ref: String, file: URL, document: JSON) -> (JSON, URL, JSON)? {
        let parts = ref.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        var targetFile = file
        var targetDocument = document
        if let filePart = parts.first, !filePart.isEmpty {
            // octokit's refs are relative to the schema folder's root ("common/…") or to the referring file's folder.
            let folder = file.deletingLastPathComponent()
            let candidates = [folder, folder.deletingLastPathComponent()].map { $0.appendingPathComponent(String(filePart)).standardizedFileURL }
            guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else { return nil }
            targetFile = found
            guard let loaded = try? self.document(targetFile) else { return nil }
            targetDocument = loaded
        }
        var node = targetDocument
        if parts.count == 2 {
            for token in parts[1].split(separator: "/") {
                let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                guard let next = node[key] else { return nil }
                node = next
            }
        }
        return (node, targetFile, targetDocument)
    }

    private func check(_ value: JSON, _ schema: JSON, file: URL, document: JSON, path: String, errors: inout [String]) {
        guard case .object(let s) = schema else { return }
        if let ref = s["$ref"]?.string {
            guard let (target, targetFile, targetDocument) = resolve(ref, file: file, document: document) else {
                errors.append("\(path): unresolvable $ref \(ref)")
                return
            }
            check(value, target, file: targetFile, document: targetDocument, path: path, errors: &errors)
            return
        }
        if value == .null, s["nullable"] == .bool(true) { return }
        if let type = s["type"] {
            let allowed = type.array?.compactMap(\.string) ?? [type.string].compactMap { $0 }
            if !allowed.contains(where: { Self.matches(value, type: $0) }) {
                errors.append("\(path): expected \(allowed.joined(separator: "|")), got \(Self.typeName(value))")
                return
            }
        }
        if let options = s["enum"]?.array, !options.contains(value) {
            errors.append("\(path): \(value) not in enum")
        }
        if let constant = s["const"], constant != value { errors.append("\(path): expected const \(constant)") }
        for sub in s["allOf"]?.array ?? [] { check(value, sub, file: file, document: document, path: path, errors: &errors) }
        if let anyOf = s["anyOf"]?.array {
            let ok = anyOf.contains { sub in
                var e: [String] = []
                check(value, sub, file: file, document: document, path: path, errors: &e)
                return e.isEmpty
            }
            if !ok { errors.append("\(path): matches none of anyOf") }
        }
        if let oneOf = s["oneOf"]?.array {
            let count = oneOf.filter { sub in
                var e: [String] = []
                check(value, sub, file: file, document: document, path: path, errors: &e)
                return e.isEmpty
            }.count
            if count != 1 { errors.append("\(path): matches \(count) of oneOf, expected exactly 1") }
        }
        if case .object(let object) = value {
            for name in s["required"]?.array?.compactMap(\.string) ?? [] where object[name] == nil {
                errors.append("\(path): missing required \(name)")
            }
            let properties = s["properties"]?.object ?? [:]
            for (name, child) in object {
                if let propertySchema = properties[name] {
                    check(child, propertySchema, file: file, document: document, path: "\(path).\(name)", errors: &errors)
                } else if let additional = s["additionalProperties"] {
                    if additional == .bool(false) {
                        errors.append("\(path): unexpected property \(name)")
                    } else if case .object = additional {
                        check(child, additional, file: file, document: document, path: "\(path).\(name)", errors: &errors)
                    }
                }
            }
        }
        if case .array(let items) = value {
            if let itemSchema = s["items"] {
                for (index, item) in items.enumerated() {
                    check(item, itemSchema, file: file, document: document, path: "\(path)[\(index)]", errors: &errors)
                }
            }
            if case .number(let min)? = s["minItems"], Double(items.count) < min { errors.append("\(path): fewer than \(min) items") }
            if case .number(let max)? = s["maxItems"], Double(items.count) > max { errors.append("\(path): more than \(max) items") }
        }
    }

    private static func matches(_ value: JSON, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array), ("object", .object), ("object", .orderedObject):
            return true
        case ("integer", .number(let n)): return n.rounded() == n
        default: return false
        }
    }

    private static func typeName(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object, .orderedObject: return "object"
        }
    }
}
