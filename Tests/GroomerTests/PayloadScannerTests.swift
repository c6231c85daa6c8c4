import Foundation
@testable import GroomerCore
import Testing

/// The payload scanner against an independent reading of the same bytes by `JSONSerialization`:
/// on GitHub's recorded payloads, on a hostile corpus, and on random mutations of both.
@Suite struct PayloadScannerTests {
    @Test func everyRecordedPayloadReadsAsJSONSerializationReadsIt() throws {
        let files = try Fixtures.allPayloadFiles()
        #expect(files.count >= 10)
        for file in files {
            let data = try Data(contentsOf: file)
            let scanned = try PayloadScanner.scan(data)
            #expect(ScannedFields(scanned) == ScannedFields(reference: data), "\(file.lastPathComponent)")
        }
    }

    @Test(arguments: HostileJSON.rejected)
    func malformedJSONIsRejected(_ sample: HostileJSON.Sample) {
        #expect(throws: PayloadScanner.Failure.notJSON, "\(sample.name)") { try PayloadScanner.scan(sample.bytes) }
    }

    @Test func nonObjectsAreNamedAsSuch() {
        for text in ["[]", "\"x\"", "1", "true", "null", " [1, {\"a\": 2}] "] {
            #expect(throws: PayloadScanner.Failure.notAnObject, "\(text)") { try PayloadScanner.scan(Data(text.utf8)) }
        }
    }

    @Test func edgesThatAreValidJSON() throws {
        let bom = try PayloadScanner.scan(Data([0xEF, 0xBB, 0xBF] + Array(#"{"action":"opened"}"#.utf8)))
        #expect(bom.action == "opened")
        let escapedKey = try PayloadScanner.scan(Data(#"{"\u0061ction":"op\u00e9n\ud83d\ude00\n\"\/"}"#.utf8))
        #expect(escapedKey.action == "opén😀\n\"/")
        let last = try PayloadScanner.scan(Data(#"{"action":"a","action":"b"}"#.utf8))
        #expect(last.action == "b", "the last of repeated keys wins")
        let numbers = try PayloadScanner.scan(Data(#"{"issue":{"number":1.0e1},"hook_id":-0,"installation":{"id":9223372036854775807}}"#.utf8))
        #expect(numbers.issue?.number == 10)
        #expect(numbers.hookID == 0)
        #expect(numbers.installation?.id == Int64.max)
        let wrong = try PayloadScanner.scan(Data(#"{"issue":{"number":1.5,"title":7,"labels":[{"name":"a"},3]},"hook_id":1e400,"sender":[]}"#.utf8))
        #expect(wrong.issue?.number == nil && wrong.issue?.title == nil && wrong.issue?.labels == nil)
        #expect(wrong.hookID == nil && wrong.sender == nil)
        let deep = String(repeating: "[", count: 511) + String(repeating: "]", count: 511)
        #expect(try PayloadScanner.scan(Data("{\"x\":\(deep)}".utf8)).action == nil)
    }

    /// Random byte-level mutations of real payloads: whatever the scanner accepts, JSONSerialization
    /// accepts too, with the same fields; whatever JSONSerialization accepts, re-serialised, the
    /// scanner accepts with the same fields.
    @Test func randomMutationsAgreeWithJSONSerialization() throws {
        var generator = SplitMix64(seed: 0x6772_6F6F_6D65_72)
        let seeds = try Fixtures.allPayloadFiles().map { try Data(contentsOf: $0) }
        var accepted = 0, agreedRejections = 0
        for round in 0..<3_000 {
            let mutated = HostileJSON.mutate(seeds[round % seeds.count], using: &generator)
            let reference = try? JSONSerialization.jsonObject(with: mutated, options: [])
            if let scanned = try? PayloadScanner.scan(mutated) {
                accepted += 1
                #expect(reference != nil, "accepted what JSONSerialization refuses: \(HostileJSON.describe(mutated))")
                if reference is [String: Any] {
                    #expect(ScannedFields(scanned) == ScannedFields(reference: mutated), "\(HostileJSON.describe(mutated))")
                }
            } else if let reference, JSONSerialization.isValidJSONObject(reference) {
                let canonical = try JSONSerialization.data(withJSONObject: reference)
                let rescanned = try? PayloadScanner.scan(canonical)
                if reference is [String: Any] {
                    #expect(rescanned.map(ScannedFields.init) == ScannedFields(reference: canonical), "\(HostileJSON.describe(mutated))")
                }
            } else {
                agreedRejections += 1
            }
        }
        #expect(accepted > 100 && agreedRejections > 100, "the mutations exercise both sides: \(accepted) accepted, \(agreedRejections) rejected")
    }

    @Test func storedSnapshotsDecodeToTheSameValue() throws {
        let awkward = "quote \" backslash \\ slash / newline \n tab \t nul \u{0} bell \u{7} é 😀 \u{2028}"
        for snapshot in [
            IssueSnapshot(title: awkward, body: awkward, state: "open", locked: true,
                          labels: [LabelInfo(name: awkward, description: nil), LabelInfo(name: "b", description: awkward)], author: awkward),
            IssueSnapshot(title: "", body: "", labels: [], author: nil),
        ] {
            let decoded = try JSONDecoder().decode(IssueSnapshot.self, from: Data(snapshot.storedJSON.utf8))
            #expect(decoded == snapshot)
        }
    }

    @Test func timestampsMatchTheISO8601Formatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var generator = SplitMix64(seed: 7)
        let edges: [Int64] = [0, -1, 951_782_400_000, 4_102_444_799_999, 1_709_164_800_000]
        for milliseconds in edges + (0..<2_000).map({ _ in Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &generator) }) {
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            #expect(date.iso8601 == formatter.string(from: date), "\(milliseconds)")
        }
    }
}

/// A deterministic generator, so a failing mutation can be reproduced from the seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension PayloadScannerTests {
    @Test func longStringsAreDecodedOnlyAsFarAsTheMapperKeepsThem() throws {
        let title = String(repeating: "é", count: 5_000)
        let body = String(repeating: "a\\u00e9😀", count: 40_000)
        let data = Data(#"{"issue":{"title":"\#(title)","body":"\#(body)","user":{"login":"\#(String(repeating: "x", count: 100_000))"}}}"#.utf8)
        let payload = try PayloadScanner.scan(data)
        let scannedTitle = try #require(payload.issue?.title)
        #expect(scannedTitle.unicodeScalars.count >= PayloadScanner.maximumStringLength && scannedTitle.utf8.count <= 4 * 1_024 + 4)
        #expect(title.hasPrefix(scannedTitle))
        let scannedBody = try #require(payload.issue?.body)
        #expect(scannedBody.unicodeScalars.count >= EventMapper.maximumBodyLength)
        #expect(scannedBody.utf8.count <= 4 * EventMapper.maximumBodyLength + 4)
        #expect(String(repeating: "aé😀", count: 40_000).hasPrefix(scannedBody), "cut between scalars, never inside one")
        #expect((payload.issue?.user?.login?.utf8.count ?? 0) <= 4 * 1_024 + 4)
    }
}
