import Fluent

/// Registers a database under a ``FaultPlan``: `configure(app, config:, wrapDatabase:)` passes the real
/// SQLite or PostgreSQL configuration through this, and every database the pool hands out is a
/// ``FaultInjectingDatabase``.
public struct FaultInjectingConfiguration: DatabaseConfiguration {
    public var base: any DatabaseConfiguration
    public let plan: FaultPlan

    public init(base: any DatabaseConfiguration, plan: FaultPlan) {
        self.base = base
        self.plan = plan
    }

    public var middleware: [any AnyModelMiddleware] {
        get { base.middleware }
        set { base.middleware = newValue }
    }

    public func makeDriver(for databases: Databases) -> any DatabaseDriver {
        FaultInjectingDriver(base: base.makeDriver(for: databases), plan: plan)
    }
}

struct FaultInjectingDriver: DatabaseDriver {
    let base: any DatabaseDriver
    let plan: FaultPlan

    func makeDatabase(with context: DatabaseContext) -> any Database {
        FaultInjectingDatabase(base: base.makeDatabase(with: context), plan: plan)
    }

    func shutdown() { base.shutdown() }
    func shutdownAsync() async { await base.shutdownAsync() }
}
