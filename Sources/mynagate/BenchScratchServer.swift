import Foundation
import Server
import ServerCore
import Vapor

/// A configured server (migrations run, features added, not listening) on a fresh SQLite database in a
/// temporary directory, for one bench run; removed afterwards. The benches that time the server's own
/// code paths beside a peer start it this one way.
enum BenchScratchServer {
    static func run(adjust: (inout ServerConfig) -> Void = { _ in }, _ body: (Application) async throws -> Void) async throws {
        var env = Environment(name: "production", arguments: ["mynagate"])
        try ServerLogging.bootstrap(from: &env)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = ServerConfig()
        c.dataDirectory = dir.path
        c.port = 0
        adjust(&c)
        let app = try await Application.make(env)
        do {
            try await configure(app, config: c)
            try await body(app)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
