import ArgumentParser
import DoorAgent
import DoorProtocol
import Foundation
import MynaCard
import MynaCardSim
import PCSC
import SmartCard

extension FailMode: ExpressibleByArgument {}

/// `mynagate door run`: the door controller. Decides every tap from the signed local snapshot (offline
/// too), writes each event to the outbox on disk before the door acts, and uploads the outbox.
///
/// Cards come from a PC/SC reader (`--reader`) or, for tests and the demo, from virtual card files:
/// each line on standard input is one tap, naming a card file in `--vcard-dir` or one of the `--vcard`
/// files (an empty line taps the first `--vcard`). At a `pin` door the PIN is the next line of standard
/// input, or comes from a keypad driver on `--pin-socket`. When standard input ends, the agent uploads
/// what is left in the outbox and exits.
struct DoorRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a door controller from an agent file written by `mynagate door register`."
    )

    @Argument(help: "The agent file (server, door, token, snapshot key).") var agentFile: String
    @Option(help: "Directory for the agent's SQLite file (snapshot and outbox).") var data: String
    @Option(name: .customLong("vcard"), help: "A virtual card file a tap line may name (repeatable).") var vcards: [String] = []
    @Option(help: "A directory of virtual card files; each tap line names one.") var vcardDir: String?
    @Option(help: "A PC/SC reader name: wait for real cards there.") var reader: String?
    @Option(help: "What the door does once its snapshot is stale: secure (deny) or safe (open).") var failMode: FailMode = .secure
    @Option(help: "Hours since the last successful sync before the snapshot is stale.") var stalenessHours: Double = 24
    @Option(help: "A shell command run on each grant (MYNAGATE_OPEN_SECONDS is set), to drive a relay.") var onGrant: String?
    @Option(help: "Seconds a grant releases the lock.") var openSeconds: Double = 5
    @Option(help: "A Unix socket where a keypad driver writes PIN lines.") var pinSocket: String?
    @Option(help: "A Unix socket where a display driver reads what the door shows.") var displaySocket: String?
    @Option(help: ArgumentHelp("A Unix socket where a door-contact sensor driver writes \"open\" or \"closed\" lines.",
                               discussion: "An opening while the lock is not released is a forced-open alarm; a door still open --held-open-seconds after its release ends is a held-open alarm. Alarms are events in the outbox like decisions."))
    var contactSocket: String?
    @Option(help: "Seconds a door may stay open after its release ends before a held-open alarm.") var heldOpenSeconds: Double = 10
    @Option(help: "Seconds between snapshot polls (push, when available, is immediate).") var pollSeconds: Double = 5
    @Flag(help: "Do not open the push WebSocket; poll only.") var noPush = false
    @Flag(help: "Allow a plain http:// server that is not on this machine (only when the link is protected otherwise, e.g. a VPN).")
    var allowInsecureHTTP = false
    @Option(help: "Seconds the server's snapshot time may differ from this door's clock before the snapshot is refused.")
    var clockToleranceSeconds: Double = 300

    func validate() throws {
        let sources = (vcards.isEmpty ? 0 : 1) + (vcardDir == nil ? 0 : 1) + (reader == nil ? 0 : 1)
        guard sources == 1 || (sources == 2 && reader == nil) else {
            throw ValidationError("give --reader, or --vcard/--vcard-dir (virtual cards tapped from standard input)")
        }
        guard stalenessHours > 0, openSeconds > 0, pollSeconds > 0, heldOpenSeconds > 0, clockToleranceSeconds > 0 else {
            throw ValidationError("--staleness-hours, --open-seconds, --poll-seconds, --held-open-seconds and --clock-tolerance-seconds must be positive")
        }
    }

    func run() async throws {
        let registration: DoorAgentRegistration
        do {
            registration = try DoorWire.decoder().decode(DoorAgentRegistration.self, from: Data(contentsOf: URL(fileURLWithPath: agentFile)))
        } catch {
            throw CLIFailure("cannot read the agent file \(agentFile): \(error)")
        }
        if let problem = insecureServerProblem(registration.server, allowInsecureHTTP: allowInsecureHTTP) { throw CLIFailure(problem) }
        // The agent's own directory: the store in it names people and every enrolled serial.
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: data)
        let store = try await LocalStore.open(path: URL(fileURLWithPath: data).appendingPathComponent("door.sqlite").path)
        let server = HTTPDoorServer(registration: registration)
        let verifier: SnapshotVerifier
        do { verifier = try SnapshotVerifier(base64PublicKey: registration.snapshotPublicKey) } catch { throw CLIFailure("\(error)") }
        let log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("door \(registration.door): \($0)\n".utf8)) }
        // A new registration (another token, key, door or server) is the one way to start the snapshot
        // afresh and accept a lower version; the outbox is kept and uploaded with the new token.
        if try await store.adopt(registration: registration.digest) { log("new registration: the stored snapshot was dropped") }
        let sync = SnapshotSync(store: store, server: server, verifier: verifier, door: registration.door, clockTolerance: clockToleranceSeconds)
        do { try await sync.loadFromStore() } catch let refusal as SnapshotRefusal {
            log("\(refusal); starting without it")
        }
        // Without a stored snapshot every tap would be refused as stale, so the first start waits for one
        // sync; a restart decides from its stored snapshot at once and lets the sync loop catch up.
        if await sync.current == nil {
            do { try await sync.syncOnce() } catch { log("first sync failed, no snapshot yet (every tap fails \(failMode.rawValue)): \(error)") }
        }

        let pinServer = try pinSocket.map { try UnixSocketLineServer(path: $0) }
        let displayServer = try displaySocket.map { try UnixSocketLineServer(path: $0) }
        let display: any Display = displayServer.map { SocketDisplay(server: $0) } ?? StandardOutputDisplay()
        let contactServer = try contactSocket.map { try UnixSocketLineServer(path: $0) }
        // The controller records alarms, but it needs the actuator to exist first; the box breaks the cycle.
        let alarmSink = AlarmSink()
        let monitor = DoorContactMonitor(heldOpenGrace: heldOpenSeconds, onAlarm: { await alarmSink.record($0) })
        let actuator = MonitoredActuator(onGrant.map { CommandActuator(command: $0) } ?? SimulatedActuator(), monitor: monitor)
        let config = DoorConfiguration(door: registration.door, failMode: failMode, stalenessLimit: stalenessHours * 3600, openSeconds: openSeconds)
        let uploader = Uploader(store: store, server: server)
        let controller = DoorController(configuration: config, sync: sync, store: store, actuator: actuator, display: display,
                                        afterAppend: { uploader.notify() })
        await alarmSink.attach(controller)
        let heartbeat = HeartbeatReporter(sync: sync, store: store, server: server, configuration: config)

        let pushVersions = noPush ? nil : PushListener(registration: registration).versions(log: log)
        var background = [
            Task { await sync.run(pollInterval: pollSeconds, wake: pushVersions, log: log) },
            Task { await uploader.run(log: log) },
            Task { await heartbeat.run() },
        ]
        if let contactServer {
            background.append(Task { await Self.watchContact(lines: contactServer.lines, monitor: monitor, log: log) })
            background.append(Task {
                while !Task.isCancelled {
                    await monitor.checkHeldOpen()
                    try? await Task.sleep(for: .milliseconds(250))
                }
            })
        }

        if let reader {
            try await readerLoop(reader: reader, controller: controller, pinPad: LinePINPad(lines: pinServer?.lines ?? StandardInputLines()), log: log)
        } else {
            let taps = StandardInputLines()
            let pinPad = LinePINPad(lines: pinServer?.lines ?? taps)
            while let line = await taps.nextLine() {
                guard let url = cardFile(named: line.trimmingCharacters(in: .whitespaces)) else {
                    log("no virtual card named \(line)")
                    continue
                }
                let card: VirtualMynaCard
                do { card = try VirtualMynaCard.load(contentsOf: url) } catch {
                    log("\(error)")
                    continue
                }
                _ = await controller.handleTap(card: MynaCard(transport: EmulatedCardTransport(card: card)), pinPad: pinPad)
            }
        }

        // Input ended: everything decided is on disk; hand it to the server before leaving.
        for task in background { task.cancel() }
        // Wait for them, so the final drain below is the only upload in flight.
        for task in background { await task.value }
        var backoff = 0.2
        while true {
            do {
                try await uploader.drain()
                break
            } catch {
                log("upload failed, retrying in \(String(format: "%.1f", backoff)) s: \(error)")
                try await Task.sleep(for: .milliseconds(Int(backoff * 1000)))
                backoff = min(backoff * 2, 5)
            }
        }
        pinServer?.stop()
        displayServer?.stop()
        contactServer?.stop()
        try await store.close()
        log("stopped: \(await controller.taps) taps, outbox empty")
    }

    /// Reads door-contact lines until the agent stops: `open`/`opened` and `closed`/`close`.
    static func watchContact(lines: some LineSource, monitor: DoorContactMonitor, log: @Sendable (String) -> Void) async {
        while !Task.isCancelled, let line = await lines.nextLine() {
            switch line.trimmingCharacters(in: .whitespaces).lowercased() {
            case "open", "opened": await monitor.contact(.opened)
            case "closed", "close": await monitor.contact(.closed)
            case "": continue
            default: log("door contact: ignored a line that is neither \"open\" nor \"closed\"")
            }
        }
    }

    func cardFile(named name: String) -> URL? {
        if name.isEmpty { return vcards.first.map { URL(fileURLWithPath: $0) } }
        if let match = vcards.first(where: { $0 == name || URL(fileURLWithPath: $0).lastPathComponent == name }) {
            return URL(fileURLWithPath: match)
        }
        if let dir = vcardDir {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(name)
            // Only files inside the directory: a tap line is input, not a path to anywhere.
            guard !name.contains("/"), FileManager.default.fileExists(atPath: url.path) else { return nil }
            return url
        }
        return nil
    }

    /// Real cards: wait for one, decide, wait for it to leave, again.
    func readerLoop(reader: String, controller: DoorController, pinPad: any PINPad, log: @Sendable (String) -> Void) async throws {
        let context: PCSCContext
        do { context = try PCSCContext() } catch { throw CLIFailure("PC/SC is not available: \(error)") }
        while !Task.isCancelled {
            guard try await context.waitForCard(reader: reader, timeout: nil) else { continue }
            do {
                let transport = try context.connect(reader: reader)
                _ = await controller.handleTap(card: MynaCard(transport: transport), pinPad: pinPad)
                // Shared, not exclusive: an OS token daemon holding the card must not make the door
                // refuse the tap. A PIN door's controller resets the card right after the PIN proof
                // (DoorController.pinProof); this reset is the second line, for every other path.
                transport.disconnect(.reset)
            } catch {
                log("cannot connect to the card in \(reader): \(error)")
            }
            _ = try await context.waitForRemoval(reader: reader, timeout: nil)
        }
    }
}

/// Hands door-contact alarms to the controller once it exists.
actor AlarmSink {
    var controller: DoorController?
    func attach(_ controller: DoorController) { self.controller = controller }
    func record(_ alarm: DoorAlarm) async { await controller?.recordAlarm(alarm) }
}
