import HTTPTypes

extension HTTPField.Name {
    static let hubSignature256 = HTTPField.Name("X-Hub-Signature-256")!
    static let githubEvent = HTTPField.Name("X-GitHub-Event")!
    static let githubDelivery = HTTPField.Name("X-GitHub-Delivery")!
    static let githubHookID = HTTPField.Name("X-GitHub-Hook-ID")!
}
