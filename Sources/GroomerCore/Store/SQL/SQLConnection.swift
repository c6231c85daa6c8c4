/// What both backends' connections offer the stores: statements with positional parameters,
/// and transactions as closures.
protocol SQLConnection: AnyObject {
    /// The statement that opens a write transaction (`BEGIN IMMEDIATE` takes SQLite's write lock at once).
    var beginStatement: String { get }
    func execute(_ sql: String) throws(StoreError)
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> (rows: [SQLRow], changes: Int)
}

extension SQLConnection {
    /// Runs `body` in a transaction; rolls back if it throws.
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute(beginStatement)
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}
