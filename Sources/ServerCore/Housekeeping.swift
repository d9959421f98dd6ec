import Fluent
import Foundation
import Store
import Synchronization
import Vapor

/// Deletes what anonymous and expired traffic leaves behind, so that requests nobody signed in for
/// cannot grow the database without bound: expired sessions, challenges past their expiry, lost-card
/// attempt counters whose window ended, and suspension requests never confirmed. Every server runs
/// it; the deletes are idempotent, so servers sharing a database do not get in each other's way.
public enum Housekeeping {
    /// A challenge is kept this long past its expiry, so that a replay shortly after is still logged
    /// as a replay rather than as an unknown challenge.
    static let challengeGraceSeconds: TimeInterval = 60

    /// One purge, now.
    public static func purge(on db: any Database, now: Date = Date()) async throws {
        try await WebSessionModel.query(on: db).filter(\.$expiresAt <= now).delete()
        try await ChallengeModel.query(on: db).filter(\.$expiresAt < now.addingTimeInterval(-challengeGraceSeconds)).delete()
        try await LostCardAttemptModel.query(on: db).filter(\.$windowEnds <= now).delete()
        try await SuspensionRequestModel.query(on: db).filter(\.$expiresAt < now).delete()
    }
}

/// Runs ``Housekeeping/purge(on:now:)`` every ``ServerConfig/purgeSeconds`` from ``start(_:)`` (called by
/// ``configure(_:config:)``) until the application shuts down.
final class HousekeepingLoop: LifecycleHandler, Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)

    package func start(_ app: Application) {
        let seconds = max(1, app.mynagate.config.purgeSeconds)
        let db = app.db, logger = app.logger
        task.withLock {
            $0 = Task {
                while !Task.isCancelled {
                    do {
                        try await Task.sleep(for: .seconds(seconds))
                        try await Housekeeping.purge(on: db)
                    } catch is CancellationError {
                        return
                    } catch {
                        // Logged and tried again next time: a failed purge loses nothing.
                        logger.error("purge of expired sessions and challenges failed", metadata: ["error": .string(String(describing: error))])
                    }
                }
            }
        }
    }

    func shutdownAsync(_ app: Application) async {
        let t = task.withLock { t -> Task<Void, Never>? in
            defer { t = nil }
            return t
        }
        t?.cancel()
        await t?.value
    }
}
