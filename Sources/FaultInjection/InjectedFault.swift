import Fluent

/// The error a broken statement fails with. It is neither a constraint failure nor a syntax error, so
/// code that retries only conflicts (the audit store) must pass it on with its cause.
public struct InjectedFault: Error, DatabaseError, CustomStringConvertible, Sendable {
    public let operation: FaultPlan.Operation
    public let table: String?
    public let message: String

    public var description: String { "injected database fault (\(operation) \(table ?? "-")): \(message)" }
    public var isSyntaxError: Bool { false }
    public var isConstraintFailure: Bool { false }
    public var isConnectionClosed: Bool { false }
}
