import AccessServer
import AttendanceServer
import CardApplicationServer
import ServerCore
import Vapor
import VaultServer

/// The features MynaGate is assembled from: the core (people, cards, doors, sign-in, the event log)
/// with each feature's HTTP side. A new feature is one module and one line here (docs/CONTRIBUTING.md).
package var mynaGateFeatures: [any ServerFeature.Type] {
    [AccessFeature.self, AttendanceFeature.self, CardApplicationFeature.self, VaultFeature.self]
}

/// Sets up a MynaGate server on `app`: database and migrations, sessions, security middleware, the
/// in-memory policy, trust, TLS, and every route of the core and of each feature. `wrapDatabase` is
/// for tests (see ``useDatabase(_:config:wrap:)``).
public func configure(_ app: Application, config: ServerConfig, wrapDatabase: DatabaseWrapper? = nil) async throws {
    try await configureServer(app, config: config, features: mynaGateFeatures, wrapDatabase: wrapDatabase)
}
