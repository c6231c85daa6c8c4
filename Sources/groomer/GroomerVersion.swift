/// What `groomer --version` prints.
enum GroomerVersion {
    static let current = "0.5.0"
}
