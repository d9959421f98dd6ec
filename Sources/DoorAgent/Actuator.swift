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

/// Turns door-contact changes into alarms, for any actuator.
///
/// A door that opens while unlocked is a normal passage; one that opens while locked is forced; one
/// still open `heldOpenGrace` seconds after the release ended is held open. The monitor learns of each
/// release from ``MonitoredActuator`` (or ``SimulatedActuator``) and of the contact from a sensor
/// driver (`mynagate door run --contact-socket`).
public actor DoorContactMonitor {
    /// Every alarm raised, oldest first.
    public private(set) var alarms: [DoorAlarm] = []
    let clock: @Sendable () -> Date
    let heldOpenGrace: Double
    let onAlarm: @Sendable (DoorAlarm) async -> Void
    var unlockedUntil: Date = .distantPast
    var openedAt: Date?

    /// A monitor.
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

    /// The lock was released for `seconds` from now.
    public func released(seconds: Double) {
        unlockedUntil = clock().addingTimeInterval(seconds)
    }

    /// Whether the lock is released now.
    public var isUnlocked: Bool { clock() < unlockedUntil }

    /// Reports a door-contact change.
    public func contact(_ change: DoorContact) async {
        let now = clock()
        switch change {
        case .opened:
            guard openedAt == nil else { return }  // a repeated "open" from a chattering sensor
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
            // Raised once per opening: the next alarm needs the door to close and open again.
            openedAt = .distantFuture
            await raise(.heldOpen)
        }
    }

    func raise(_ alarm: DoorAlarm) async {
        alarms.append(alarm)
        await onAlarm(alarm)
    }
}

/// Any actuator, with each release told to a ``DoorContactMonitor``.
public struct MonitoredActuator: Actuator {
    /// The actuator that drives the lock.
    public let inner: any Actuator
    /// The monitor that must know when the door may open.
    public let monitor: DoorContactMonitor

    /// `inner`, reporting releases to `monitor`.
    public init(_ inner: any Actuator, monitor: DoorContactMonitor) {
        self.inner = inner
        self.monitor = monitor
    }

    public func open(seconds: Double) async {
        // The monitor first: a door that swings open the instant the relay clicks is not "forced".
        await monitor.released(seconds: seconds)
        await inner.open(seconds: seconds)
    }
}

/// A door in memory: records each release and turns door-contact changes into alarms.
public actor SimulatedActuator: Actuator {
    /// Every release, as (time, seconds).
    public private(set) var opens: [(time: Date, seconds: Double)] = []
    let clock: @Sendable () -> Date
    /// The door contact's monitor.
    public let monitor: DoorContactMonitor

    /// A simulated door.
    ///
    /// - Parameters:
    ///   - heldOpenGrace: seconds a door may stay open after the release ends before it counts as held.
    ///   - clock: the current time; tests pass their own.
    ///   - onAlarm: called for each alarm (the agent writes it to the outbox as an event).
    public init(heldOpenGrace: Double = 10, clock: @escaping @Sendable () -> Date = { Date() },
                onAlarm: @escaping @Sendable (DoorAlarm) async -> Void = { _ in }) {
        self.clock = clock
        monitor = DoorContactMonitor(heldOpenGrace: heldOpenGrace, clock: clock, onAlarm: onAlarm)
    }

    public func open(seconds: Double) async {
        opens.append((clock(), seconds))
        await monitor.released(seconds: seconds)
    }

    /// Every alarm raised, oldest first.
    public var alarms: [DoorAlarm] { get async { await monitor.alarms } }
    /// Whether the lock is released now.
    public var isUnlocked: Bool { get async { await monitor.isUnlocked } }
    /// Reports a door-contact change.
    public func contact(_ change: DoorContact) async { await monitor.contact(change) }
    /// Checks whether an open door has been held past its release; call periodically.
    public func checkHeldOpen() async { await monitor.checkHeldOpen() }
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
