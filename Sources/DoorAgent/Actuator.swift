import Foundation

/// What the door does with its lock.
public protocol Actuator: Sendable {
    /// Releases the lock for `seconds`, then locks again. Returns once the release has started.
    func open(seconds: Double) async
}

/// What a door-contact sensor reports.
public enum DoorContact: Sendable, Hashable {
    /// The door opened.
    case opened
    /// The door closed.
    case closed
}

/// An alarm raised from the door contact.
public enum DoorAlarm: String, Sendable, Hashable, Codable {
    /// The door opened while the lock was not released: it was forced.
    case forcedOpen = "forced_open"
    /// The door stayed open after the release time ran out.
    case heldOpen = "held_open"
}

/// A door in memory: records each release and turns door-contact changes into alarms.
///
/// A door that opens while unlocked is a normal passage; one that opens while locked is forced; one
/// still open `heldOpenGrace` seconds after the release ended is held open.
public actor SimulatedActuator: Actuator {
    /// Every release, as (time, seconds).
    public private(set) var opens: [(time: Date, seconds: Double)] = []
    /// Every alarm raised, oldest first.
    public private(set) var alarms: [DoorAlarm] = []
    let clock: @Sendable () -> Date
    let heldOpenGrace: Double
    let onAlarm: @Sendable (DoorAlarm) async -> Void
    var unlockedUntil: Date = .distantPast
    var openedAt: Date?

    /// A simulated door.
    ///
    /// - Parameters:
    ///   - heldOpenGrace: seconds a door may stay open after the release ends before it counts as held.
    ///   - clock: the current time; tests pass their own.
    ///   - onAlarm: called for each alarm (the agent writes it to the outbox as an event).
    public init(heldOpenGrace: Double = 10, clock: @escaping @Sendable () -> Date = { Date() },
                onAlarm: @escaping @Sendable (DoorAlarm) async -> Void = { _ in }) {
        self.heldOpenGrace = heldOpenGrace
        self.clock = clock
        self.onAlarm = onAlarm
    }

    public func open(seconds: Double) async {
        let now = clock()
        opens.append((now, seconds))
        unlockedUntil = now.addingTimeInterval(seconds)
    }

    /// Whether the lock is released now.
    public var isUnlocked: Bool { clock() < unlockedUntil }

    /// Reports a door-contact change.
    public func contact(_ change: DoorContact) async {
        let now = clock()
        switch change {
        case .opened:
            openedAt = now
            if now >= unlockedUntil { await raise(.forcedOpen) }
        case .closed:
            openedAt = nil
        }
    }

    /// Checks whether an open door has been held past its release; call periodically.
    public func checkHeldOpen() async {
        guard let opened = openedAt else { return }
        let limit = max(unlockedUntil, opened).addingTimeInterval(heldOpenGrace)
        if clock() >= limit {
            openedAt = nil
            await raise(.heldOpen)
        }
    }

    func raise(_ alarm: DoorAlarm) async {
        alarms.append(alarm)
        await onAlarm(alarm)
    }
}

/// Drives a relay board (or anything else) by running a configured command on each grant, so a site
/// wires its hardware without changing code.
///
/// The command runs through `/bin/sh -c` with `MYNAGATE_OPEN_SECONDS` set; it is killed after
/// ``timeout`` seconds so a hung relay script cannot stall the reader loop forever.
public struct CommandActuator: Actuator {
    /// The shell command.
    public let command: String
    /// Seconds before the command is killed.
    public let timeout: Double

    /// An actuator running `command` on each grant.
    public init(command: String, timeout: Double = 5) {
        self.command = command
        self.timeout = timeout
    }

    public func open(seconds: Double) async {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var env = ProcessInfo.processInfo.environment
        env["MYNAGATE_OPEN_SECONDS"] = String(seconds)
        process.environment = env
        do { try process.run() } catch {
            FileHandle.standardError.write(Data("on-grant command could not start: \(error)\n".utf8))
            return
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline {
                process.terminate()
                FileHandle.standardError.write(Data("on-grant command killed after \(timeout) s\n".utf8))
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
