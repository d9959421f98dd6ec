import Access
import ArgumentParser
import Crypto
import DoorAgent
import DoorProtocol
import Foundation
import MynaCard
import MynaCardSim
import PCSC
import SmartCard
import Synchronization
import X509

/// `mynagate bench door`: tap-to-decision time and APDUs per tap of the door controller, with a virtual
/// card in a real pcscd (vsmartcard's vpcd), beside the APDUs OpenSC's `pkcs11-tool` needs for one
/// signature on the same card.
///
/// Each tap is what a door does when a card arrives: connect through PC/SC, read the certificate
/// serial, decide from the signed local snapshot, write the event to the outbox (fsync'd) and act; at
/// the `genuine` door also select the visual application and have it sign a local challenge with the
/// card's own key (no PIN), checked against the enrolled card key; at the `pin` door read the tries left, VERIFY the PIN, have the card sign a local challenge and
/// verify the signature against the enrolled certificate. The card is reset between taps, as one that
/// leaves the reader. The time the card itself spends computing the signature is measured inside the
/// virtual card and reported separately, because it belongs to the card (a real one takes 100–500 ms),
/// not to MynaGate.
struct BenchDoorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "door",
        abstract: "Tap-to-decision time and APDUs per tap (tap, genuine and pin doors) through pcscd, beside pkcs11-tool's APDUs for one signature.",
        discussion: """
            Needs pcscd running with vsmartcard's vpcd driver (.ci/system/start-pcscd.sh starts it); the \
            virtual card is put into the reader by this command itself. OpenSC's pkcs11-tool is optional: \
            without it the peer column says so.
            Examples:
              mynagate bench door
              mynagate bench door --taps 500 --json
            """
    )

    @Option(help: "Taps at each door.") var taps = 200
    @Option(help: "The vpcd reader to use.") var reader = "Virtual PCD 00 00"
    @Option(help: "The port vpcd listens on for that reader.") var vpcdPort: UInt16 = VPCDBridge.defaultPort
    @Option(help: "Runs of pkcs11-tool --sign to count.") var pkcs11Runs = 3
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard taps >= 10 else { throw ValidationError("--taps must be at least 10") }
        guard pkcs11Runs >= 1 else { throw ValidationError("--pkcs11-runs must be at least 1") }
    }

    func run() async throws {
        let pin = "1234"
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("mynagate-bench-door-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        status("issuing a test card")
        let hierarchy = try TestJPKIHierarchy.generate()
        let state = try hierarchy.issueCard(holder: CardHolder.random(), authPIN: pin, signingPassword: "BENCH123",
                                            issuedAt: Date().addingTimeInterval(-86_400))
        let card = CountingCard(VirtualMynaCard(state: state))
        let bridge = VPCDBridge(card: card, port: vpcdPort)
        let bridgeTask = Task { try await bridge.run() }
        defer { bridge.stop(); bridgeTask.cancel() }

        let context: PCSCContext
        do { context = try PCSCContext() } catch { throw CLIFailure("PC/SC is not available (is pcscd running?): \(error)") }
        guard try await context.waitForCard(reader: reader, timeout: .seconds(20)) else {
            throw CLIFailure("no card appeared in \(reader) within 20 s: is pcscd running with vpcd on port \(vpcdPort)?")
        }

        // Two doors and one person allowed through both, in a snapshot signed like the server's.
        let certificate = try Certificate(derEncoded: state.authCertificate)
        let serial = certificate.serialNumber.bytes.map { String(format: "%02X", $0) }.joined()
        let credential = Credential(key: CredentialKey(issuer: "TEST", serial: serial), employee: "bench", cardKey: state.visualCardPublicKey,
                                    notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter)
        let policy = DoorSnapshot.Policy(
            doors: [Door(id: "bench-tap", name: "Entrance", from: nil, to: "office"),
                    Door(id: "bench-genuine", name: "Office", from: "office", to: "vault", securityLevel: .genuine),
                    Door(id: "bench-pin", name: "Server room", from: "office", to: "vault", securityLevel: .pin)],
            zones: [Zone(id: "office", name: "Office", isWorkplaceBoundary: true), Zone(id: "vault", name: "Vault")],
            groups: [AccessGroup(id: "staff", name: "Staff", grants: [.init(zone: "office", schedule: "always"), .init(zone: "vault", schedule: "always")])],
            schedules: [WeeklySchedule.always()],
            employees: [Employee(id: "bench", employeeNumber: "B1", name: "Bench", department: "QA", groups: ["staff"])],
            credentials: [SnapshotCredential(credential: credential, certificate: Data(state.authCertificate), version: 1)])
        let key = Curve25519.Signing.PrivateKey()

        var results: [DoorResult] = []
        for (door, level) in [("bench-tap", "tap"), ("bench-genuine", "genuine"), ("bench-pin", "pin")] {
            let server = LocalSnapshotServer(snapshot: DoorSnapshot(version: 1, full: true, door: DoorID(rawValue: door), generatedAt: Date(), policy: policy), key: key)
            let store = try await LocalStore.open(path: work.appendingPathComponent("\(door).sqlite").path)
            let sync = SnapshotSync(store: store, server: server, verifier: SnapshotVerifier(key: key.publicKey), door: door)
            _ = try await sync.syncOnce()
            let controller = DoorController(configuration: DoorConfiguration(door: door), sync: sync, store: store,
                                            actuator: SimulatedActuator(), display: SilentDisplay())
            let pad = FixedPINPad(pin: pin)
            var times: [UInt64] = [], apdus: [Int] = [], signing: [UInt64] = []
            let bar = json ? nil : ProgressBar(label: "\(door)", totalBytes: taps, unit: "taps")
            for i in 0..<taps {
                let before = card.counts()
                let start = DispatchTime.now().uptimeNanoseconds
                let transport = try context.connect(reader: reader)
                let decision = await controller.handleTap(card: MynaCard(transport: transport), pinPad: pad)
                let elapsed = DispatchTime.now().uptimeNanoseconds - start
                transport.disconnect(.reset)
                guard decision.isGranted else {
                    throw CLIFailure("tap \(i + 1) at \(door) was refused (\(decision.reason.code)); the benchmark measures the granting path")
                }
                let after = card.counts()
                let signNanos = after.signingNanos - before.signingNanos
                times.append(elapsed - Swift.min(elapsed, signNanos))
                signing.append(signNanos)
                apdus.append(after.apdus - before.apdus)
                bar?.update(processedBytes: i + 1, items: i + 1)
            }
            bar?.finish()
            try await store.close()
            results.append(DoorResult(door: door, level: level, taps: taps,
                                      decision: Percentiles(times), signing: Percentiles(signing),
                                      apdusPerTap: apdus.reduce(0, +) / apdus.count, apdusMin: apdus.min()!, apdusMax: apdus.max()!))
        }

        status("counting pkcs11-tool's APDUs for one signature")
        let peer = try pkcs11Peer(card: card, pin: pin, work: work)
        report(results, peer: peer)
    }

    struct DoorResult: Encodable {
        var door: String, level: String, taps: Int
        var decision: Percentiles, signing: Percentiles
        var apdusPerTap: Int, apdusMin: Int, apdusMax: Int
    }

    struct Peer: Encodable {
        var tool: String
        var available: Bool
        var apdusPerSignature: [Int]
        var note: String?
    }

    /// `pkcs11-tool --sign` with OpenSC's PKCS#11 module on the same card in the same reader; the APDUs
    /// are counted inside the virtual card, so both sides are counted the same way.
    func pkcs11Peer(card: CountingCard, pin: String, work: URL) throws -> Peer {
        let modules = ["/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
                       "/usr/lib/opensc-pkcs11.so", "/usr/lib64/opensc-pkcs11.so", "/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so"]
        guard let module = modules.first(where: { FileManager.default.fileExists(atPath: $0) }),
              let tool = ["/usr/bin/pkcs11-tool", "/usr/local/bin/pkcs11-tool"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            return Peer(tool: "pkcs11-tool", available: false, apdusPerSignature: [], note: "OpenSC is not installed")
        }
        let data = work.appendingPathComponent("data.bin")
        try Data("MynaGate door challenge".utf8).write(to: data)
        var counts: [Int] = []
        for _ in 0..<pkcs11Runs {
            let before = card.counts().apdus
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = ["--module", module, "--slot-index", "0", "--login", "--pin", "env:MYNAGATE_BENCH_PIN",
                           "--sign", "--mechanism", "SHA256-RSA-PKCS", "--id", "01",
                           "-i", data.path, "-o", work.appendingPathComponent("sig.bin").path]
            var env = ProcessInfo.processInfo.environment
            env["MYNAGATE_BENCH_PIN"] = pin
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else {
                return Peer(tool: "pkcs11-tool", available: true, apdusPerSignature: counts,
                            note: "pkcs11-tool --sign exited with \(p.terminationStatus)")
            }
            counts.append(card.counts().apdus - before)
        }
        return Peer(tool: "pkcs11-tool \(module)", available: true, apdusPerSignature: counts, note: nil)
    }

    func report(_ results: [DoorResult], peer: Peer) {
        if json {
            struct Report: Encodable { var doors: [DoorResult]; var peer: Peer; var reader: String }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            FileHandleOutput.standardOutput.write(String(decoding: try! encoder.encode(Report(doors: results, peer: peer, reader: reader)), as: UTF8.self) + "\n")
            return
        }
        func ms(_ n: UInt64) -> String { String(format: "%.2f ms", Double(n) / 1e6) }
        var out = "door bench through pcscd (\(reader)), \(taps) taps per door\n"
        out += "level    tap-to-decision p50 / p99 / max (card's signing excluded)   card signing p50   APDUs per tap\n"
        for r in results {
            out += "\(r.level.padding(toLength: 8, withPad: " ", startingAt: 0)) \(ms(r.decision.p50)) / \(ms(r.decision.p99)) / \(ms(r.decision.max))"
            out += "                       \(r.level == "tap" ? "—" : ms(r.signing.p50))            \(r.apdusPerTap)\(r.apdusMin == r.apdusMax ? "" : " (\(r.apdusMin)–\(r.apdusMax))")\n"
        }
        if peer.available, let first = peer.apdusPerSignature.first {
            let pinAPDUs = results.first { $0.level == "pin" }?.apdusPerTap ?? 0
            out += "peer: \(peer.tool): \(peer.apdusPerSignature.map(String.init).joined(separator: ", ")) APDUs for one signature"
            out += String(format: " — the pin door's whole tap uses %.2f× as many\n", Double(pinAPDUs) / Double(first))
            if let note = peer.note { out += "  (\(note))\n" }
        } else {
            out += "peer: pkcs11-tool not measured: \(peer.note ?? "unavailable")\n"
        }
        FileHandleOutput.standardOutput.write(out)
    }

    func status(_ text: String) {
        if !json { FileHandleOutput.standardError.write("\(text)…\n") }
    }
}

extension Percentiles: Encodable {
    enum CodingKeys: String, CodingKey { case p50Nanos, p99Nanos, p999Nanos, maxNanos }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(p50, forKey: .p50Nanos)
        try c.encode(p99, forKey: .p99Nanos)
        try c.encode(p999, forKey: .p999Nanos)
        try c.encode(max, forKey: .maxNanos)
    }
}

/// A card that counts the APDUs it answers and the time it spends computing signatures
/// (COMPUTE DIGITAL SIGNATURE: `80 2A 00 80` with a JPKI key, `80 2A 00 00` in the visual application),
/// so both can be reported apart from MynaGate's time.
final class CountingCard: CardEmulator, @unchecked Sendable {
    // @unchecked: the wrapped card is only called from the vpcd bridge's thread; the counters are
    // behind a Mutex because the benchmark reads them from another.
    let inner: VirtualMynaCard
    private let tally = Mutex<(apdus: Int, signingNanos: UInt64)>((0, 0))

    init(_ inner: VirtualMynaCard) { self.inner = inner }

    var atr: [UInt8] { inner.atr }
    func powerOn() { inner.powerOn() }
    func powerOff() { inner.powerOff() }
    func reset() { inner.reset() }

    func process(_ command: [UInt8]) -> [UInt8] {
        let signing = command.count >= 4 && command[0] == 0x80 && command[1] == 0x2A && command[2] == 0x00 && (command[3] == 0x80 || command[3] == 0x00)
        let start = DispatchTime.now().uptimeNanoseconds
        let response = inner.process(command)
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        tally.withLock {
            $0.apdus += 1
            if signing { $0.signingNanos += elapsed }
        }
        return response
    }

    func counts() -> (apdus: Int, signingNanos: UInt64) { tally.withLock { $0 } }
}

/// The server side of the benchmark's door: a snapshot signed with the benchmark's key; uploads kept
/// nowhere (the outbox is what is measured, not the network).
struct LocalSnapshotServer: DoorServer {
    let snapshot: DoorSnapshot
    let key: Curve25519.Signing.PrivateKey

    init(snapshot: DoorSnapshot, key: Curve25519.Signing.PrivateKey) {
        self.snapshot = snapshot
        self.key = key
    }

    /// Signed per request, with the agent's nonce and the current time, as the server does.
    func snapshot(since: Int?, nonce: String) async throws -> SignedBody {
        var s = snapshot
        s.nonce = nonce
        s.generatedAt = Date()
        let body = try DoorWire.encoder().encode(s)
        return SignedBody(body: body, signature: try key.signature(for: body).base64EncodedString())
    }
    func upload(_ batch: DoorEventBatch) async throws -> DoorEventBatchResult { DoorEventBatchResult(accepted: batch.events.count, duplicates: 0) }
    func heartbeat(_ heartbeat: DoorHeartbeat) async throws {}
}

/// A keypad whose holder always types the same PIN.
struct FixedPINPad: PINPad {
    let pin: String
    func readPIN(triesLeft: Int) async -> String? { pin }
    func confirmLastTry() async -> Bool { false }
}

/// A display nobody reads.
struct SilentDisplay: Display {
    func show(_ message: DisplayMessage) async {}
}
