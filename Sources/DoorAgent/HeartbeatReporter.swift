import DoorProtocol
import Foundation

/// Tells the server, every few seconds, how the door is doing: the snapshot version, whether it is
/// stale and what it does about it, and how many events wait in the outbox. The dashboard shows doors
/// that went offline or stale from these.
public struct HeartbeatReporter: Sendable {
    let sync: SnapshotSync
    let store: LocalStore
    let server: any DoorServer
    let configuration: DoorConfiguration
    let clock: @Sendable () -> Date

    /// A reporter for one door.
    public init(sync: SnapshotSync, store: LocalStore, server: any DoorServer, configuration: DoorConfiguration,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.sync = sync
        self.store = store
        self.server = server
        self.configuration = configuration
        self.clock = clock
    }

    /// The heartbeat as of now.
    public func current() async -> DoorHeartbeat {
        let state = await sync.current
        let now = clock()
        var staleSince: Date?
        var mode = DoorHeartbeat.Mode.normal
        let limitPassedAt = state.map { $0.syncedAt.addingTimeInterval(configuration.stalenessLimit) } ?? .distantPast
        if now > limitPassedAt {
            staleSince = state == nil ? nil : limitPassedAt
            mode = configuration.failMode == .secure ? .staleFailSecure : .staleFailSafe
        }
        return DoorHeartbeat(snapshotVersion: state?.snapshot.version ?? 0, online: true, offlineSince: await sync.offlineSince,
                             staleSince: staleSince, mode: mode, outboxDepth: (try? await store.pendingCount()) ?? 0)
    }

    /// Sends a heartbeat every `interval` seconds until cancelled; failures are the offline case and
    /// are simply retried at the next beat.
    public func run(interval: Double = 10) async {
        while !Task.isCancelled {
            try? await server.heartbeat(await current())
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
        }
    }
}
