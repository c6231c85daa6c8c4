import Foundation
import GroomerCore
import Testing

/// `groomer eval` as a user runs it, and the corpus formats it reads.
@Suite struct EvalCommandTests {
    static let corpus = Fixtures.directory.appendingPathComponent("eval/nlbse24-react-vscode.csv").path

    @Test func evalWithTrainAloneSplitsByTimeAndPrintsOneJSONObject() async throws {
        let groomer = GroomerProcess(["eval", "--train", Self.corpus, "--triage", "learned", "--label-map", "feature=enhancement", "--json"])
        #expect(try await groomer.run() == 0, "\(groomer.stderr)")
        let json = try JSONValue.parse(Data(groomer.stdout.utf8))
        #expect(json["triage"]?.string == "learned")
        #expect(json["train"]?["issues"]?.number == 300)
        #expect(json["test"]?["issues"]?.number == 300)
        let overall = try #require(json["overall"])
        for key in ["macro_f1", "accuracy", "coverage", "precision_at_threshold"] {
            let value = try #require(overall[key]?.number, "overall.\(key)")
            #expect((0...1).contains(value))
        }
        #expect(overall["labels"]?["enhancement"]?["support"]?.number ?? 0 > 0, "feature was mapped to enhancement")
        #expect(overall["labels"]?["feature"] == nil)
        #expect(json["repositories"]?["facebook/react"]?["macro_f1"]?.number != nil)
        #expect(json["repositories"]?["microsoft/vscode"]?["labels"]?["bug"]?["f1"]?.number != nil)
        #expect(json["seconds"]?.number != nil)
        // This corpus's older half holds no react bug and one vscode bug: the split says so.
        let scarce = json["scarce_in_training"]?.array ?? []
        #expect(scarce.contains { $0["repository"] == .string("facebook/react") && $0["label"] == .string("bug")
            && $0["train"]?.number == 0 && $0["test"]?.number == 100 }, "\(scarce)")
        #expect(scarce.contains { $0["repository"] == .string("microsoft/vscode") && $0["label"] == .string("bug") && $0["train"]?.number == 1 })
        #expect(!scarce.contains { $0["label"] == .string("question") }, "question has 59 and 66 to train")
    }

    @Test func crossValidatedEvalPrintsTablesAndTheLearnedModelBeatsTheRules() async throws {
        func macroF1(_ triage: String) async throws -> Double {
            let groomer = GroomerProcess(["eval", "--train", Self.corpus, "--triage", triage, "--folds", "3", "--json"])
            #expect(try await groomer.run() == 0, "\(groomer.stderr)")
            return try JSONValue.parse(Data(groomer.stdout.utf8))["overall"]?["macro_f1"]?.number ?? 0
        }
        let learned = try await macroF1("learned")
        let rules = try await macroF1("rules")
        #expect(learned > rules + 0.15, "learned \(learned), rules \(rules)")

        let table = GroomerProcess(["eval", "--train", Self.corpus, "--folds", "3"])
        #expect(try await table.run() == 0)
        #expect(table.stdout.contains("3-fold cross-validation"))
        #expect(table.stdout.contains("every issue carries one label: the labels are scored as one exclusive group"))
        #expect(table.stdout.contains("confusion (rows: the human's label, columns: the forced choice)"))
        #expect(table.stdout.contains("  macro F1 "))
    }

    @Test func badArgumentsAndBadCorporaAreNamedNotCrashedOn() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.csv")
        try "repo,title\no/r,x\n".write(to: bad, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["eval", "--train", bad.path], "a CSV corpus needs the columns repo, label, title and body"),
            (["eval", "--train", directory.appendingPathComponent("missing.csv").path], "cannot read the corpus file"),
            (["eval", "--train", Self.corpus, "--triage", "magic"], "--triage: expected one of rules, learned, llm, cascade"),
            (["eval", "--train", Self.corpus, "--label-map", "feature"], "--label-map: expected FROM=TO"),
            (["eval", "--train", Self.corpus, "--triage", "llm"], "llm needs an LLM: set GROOMER_LLM_URL"),
        ]
        for (arguments, message) in cases {
            let groomer = GroomerProcess(arguments)
            #expect(try await groomer.run() != 0)
            #expect(groomer.stderr.contains(message), "\(arguments): \(groomer.stderr)")
        }
    }

    @Test func theThreeCorpusFormatsReadTheSameIssue() throws {
        let csv = "repo,created_at,label,title,body\no/r,2023-08-26 06:33:37,bug,\"Crash, again\",\"line one\nline \"\"two\"\"\"\n"
        let jsonl = #"{"repository":"o/r","number":7,"title":"Crash, again","body":"line one\nline \"two\"","labels":["bug"],"created_at":"2023-08-26T06:33:37Z"}"#
        let rest = #"[{"repository_url":"https://api.github.com/repos/o/r","number":7,"title":"Crash, again","body":"line one\nline \"two\"","labels":[{"name":"bug"}],"created_at":"2023-08-26T06:33:37Z"},{"repository_url":"https://api.github.com/repos/o/r","number":8,"title":"A pull request","pull_request":{},"labels":[]}]"#
        let issues = try [csv, jsonl, rest].map { try Corpus.parse(Data($0.utf8), source: "test") }
        for parsed in issues {
            #expect(parsed.count == 1)
            #expect(parsed.first?.repository == "o/r")
            #expect(parsed.first?.title == "Crash, again")
            #expect(parsed.first?.body == "line one\nline \"two\"")
            #expect(parsed.first?.labels == ["bug"])
            #expect(parsed.first?.createdAt == Date(timeIntervalSince1970: 1_693_031_617))
        }
    }

    @Test func aPolicyFileWithLabelsButNoRulesKeepsTheBuiltInRulesAndReadsLearnKeys() throws {
        let configuration = try ConfigurationFile.parse("labels: [bug, question]\nlearn:\n  target_precision: 0.95\n  min_examples: 10\n", source: "p.yaml")
        #expect(configuration.defaults.rules == Policy.builtIn.rules)
        #expect(configuration.defaults.learning.targetPrecision == 0.95)
        #expect(configuration.defaults.learning.minExamples == 10)
        #expect(try ConfigurationFile.parse("rules: []\n", source: "p.yaml").defaults.rules.isEmpty)
        #expect(throws: ConfigurationError(source: "p.yaml", key: "learn.target_precision", problem: "expected a number between 0 and 1, got 1.5")) {
            try ConfigurationFile.parse("learn:\n  target_precision: 1.5\n", source: "p.yaml")
        }
        #expect(throws: ConfigurationError(source: "p.yaml", key: "rules[0].pattern", problem: "not a valid regular expression (1 ( never closed): (?i)\\b(crash")) {
            try ConfigurationFile.parse("rules:\n  - label: bug\n    pattern: '(?i)\\b(crash'\n", source: "p.yaml")
        }
    }
}
