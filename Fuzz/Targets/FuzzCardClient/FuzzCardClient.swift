// libFuzzer target: the card client (Sources/MynaCard) reading from a hostile card. MynaCard talks to
// the virtual card (MynaCardSim) through `HostileTransport`, which lets the card answer and then alters
// each answer as the fuzz input says: another status word, data cut short, a byte changed, data added
// or doubled, an answer replaced by arbitrary bytes, or the reader failing. Certificate reads, the text
// and visual applications' records, PIN queries and status words all pass through it.
//
// Input: byte 0 chooses the operations (one bit each), byte 1 the reader (bit 0: extended length),
// the rest is consumed one instruction per answer (`Mutation`); when it runs out, answers pass as the
// card gave them.
//
// Invariants:
// - nothing crashes, hangs or allocates without bound, whatever the card says;
// - a PIN is sent only after the card said at least two tries are left (or that verification already
//   holds), and only for an operation that was given one — a lying card cannot make the client spend
//   the last try or send a PIN nobody typed;
// - no trace line shows a PIN, and no error text shows the My Number, 照合番号B or the signing password;
// - what a read returns has the form promised: a TLV file is exactly one object, a serial 1–21 bytes,
//   a number one that passes its check digit, a token without padding, tries within the counter's range;
// - when no answer was altered, every operation succeeds with exactly what the card holds.
//
// Seeds: `MYNAGATE_FUZZ_SEEDS=Fuzz/Corpus .build-fuzz/release/FuzzCardClient` writes this target's
// seeds, and the virtual card's EF contents and APDUs as seeds for FuzzBERTLV and FuzzAPDU.
import Dispatch
import Foundation
import FuzzSupport
import MyNumber
import MynaCard
import MynaCardSim
import SmartCard
import Synchronization
import X509

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzCardClient_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    if let root = ProcessInfo.processInfo.environment["MYNAGATE_FUZZ_SEEDS"] { return writeSeeds(root) }
    // The warm-up's empty input makes the shared card (and Secrets.state) with LeakSanitizer off. Without
    // it, LSan reported the strings of the card's serial and municipality code (new in card file format
    // 2) as leaked while these globals still hold them — most likely because Swift stores a string's
    // object pointer with flag bits, which LSan's scan does not recognise (not confirmed).
    return mynagate_fuzz_main_warm(argc, argv)
}

// MARK: - The card

enum Secrets {
    static let authPIN = "4721"
    static let signingPassword = "QZ7X9K2W"
    static let pinB = "90010120350042"
    static let holder = CardHolder(
        name: "番号 花子", address: "東京都千代田区永田町一丁目1番1号", birthDate: "19900101", sex: .female,
        myNumberDigits: "123456789018")
    /// One issued card for the whole run: RSA key generation is the slow part. The serial is fixed so
    /// that inputs mean the same from one run to the next (the keys and signatures are not).
    static let state: VirtualCardState = {
        do {
            let hierarchy = try TestJPKIHierarchy.generate(now: Date(timeIntervalSince1970: 1_775_000_000))
            return try hierarchy.issueCard(
                holder: holder, authPIN: authPIN, signingPassword: signingPassword, visualPINB: pinB,
                issuedAt: Date(timeIntervalSince1970: 1_775_000_000), serial: [0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC])
        } catch {
            fatalError("cannot issue the virtual card: \(error)")
        }
    }()
}

/// The card every run talks to. Making a card costs two RSA signatures (its text application signs
/// its own files), which would dominate a run, so one card serves every run: each run starts with a
/// cold start (nothing selected or verified), and a card whose PIN counters moved (a lying card can
/// steer a correct PIN to another PIN's file) is replaced, so every run starts from the same card.
nonisolated(unsafe) private var sharedCard: VirtualMynaCard?

func freshCard() -> VirtualMynaCard {
    let state = Secrets.state
    if let card = sharedCard {
        let now = card.state
        if now.authPIN == state.authPIN, now.signingPassword == state.signingPassword, now.textPIN == state.textPIN,
           now.visualPINA == state.visualPINA, now.visualPINB == state.visualPINB {
            card.powerOn()
            return card
        }
    }
    let card = VirtualMynaCard(state: state)
    sharedCard = card
    return card
}

// MARK: - The hostile transport

/// One instruction per card answer, read from the fuzz input.
struct MutationStream: Sendable {
    var bytes: [UInt8]
    var index = 0
    mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }
    mutating func take(_ n: Int) -> [UInt8] {
        let end = min(bytes.count, index + n)
        defer { index = end }
        return Array(bytes[index..<end])
    }
}

/// A transport to the virtual card that alters its answers and watches what the client sends.
actor HostileTransport: CardTransport {
    let card: VirtualMynaCard
    let extended: Bool
    var stream: MutationStream
    /// Whether any answer reached the client other than as the card gave it.
    private(set) var altered = false
    private(set) var exchanges = 0
    private(set) var pinsSent = 0
    /// The status last delivered, and whether every command since the last tries query (VERIFY with
    /// no data) was part of that query (its GET RESPONSE or Le resend).
    private var lastStatus: UInt16?
    private var sinceTriesQuery: Int?

    init(card: VirtualMynaCard, extended: Bool, stream: MutationStream) {
        self.card = card
        self.extended = extended
        self.stream = stream
    }

    nonisolated var atr: [UInt8] { VirtualMynaCard.jpkiATR }
    var supportsExtendedLength: Bool { extended }

    func transmit(_ command: [UInt8]) async throws(CardTransportError) -> [UInt8] {
        exchanges += 1
        // A client that never stops talking to a card that keeps answering is a hang.
        if exchanges > 40_000 { fatalError("more than 40 000 APDUs in one run") }
        watchPIN(command)
        let answer = card.process(command)
        let delivered = try mutate(answer)
        if delivered != answer { altered = true }
        if delivered.count >= 2 { lastStatus = UInt16(delivered[delivered.count - 2]) << 8 | UInt16(delivered[delivered.count - 1]) }
        return delivered
    }

    func reset() async throws(CardTransportError) { card.reset() }

    /// The PIN rule, checked on the wire: VERIFY or CHANGE REFERENCE DATA with data follows a tries
    /// query whose final answer was 90 00 or 63 Cx with x ≥ 2.
    private func watchPIN(_ command: [UInt8]) {
        guard command.count >= 4 else { fatalError("a command shorter than its header") }
        let ins = command[1]
        let isTriesQuery = ins == 0x20 && command.count <= 5
        if isTriesQuery { sinceTriesQuery = 0; return }
        if ins == 0xC0, let n = sinceTriesQuery { sinceTriesQuery = n; return }  // GET RESPONSE of the query
        if ins == 0x20 || ins == 0x24 {
            if ins == 0x20 {
                guard sinceTriesQuery == 0, let sw = lastStatus else { fatalError("a PIN was sent without asking the tries left first") }
                let ok = sw == 0x9000 || (sw & 0xFFF0 == 0x63C0 && sw & 0x000F >= 2)
                guard ok else { fatalError("a PIN was sent after the card answered \(String(sw, radix: 16)) to the tries query") }
            }
            pinsSent += 1
        }
        sinceTriesQuery = nil
    }

    private func mutate(_ answer: [UInt8]) throws(CardTransportError) -> [UInt8] {
        guard let op = stream.next() else { return answer }
        var data = Array(answer.dropLast(2))
        var sw = Array(answer.suffix(2))
        switch op % 8 {
        case 0: return answer
        case 1:
            let replacement = stream.take(2)
            if replacement.count == 2 { sw = replacement }
        case 2: data = Array(data.prefix(Int(stream.next() ?? 0)))
        case 3:
            let at = stream.take(2).reduce(0) { $0 << 8 | Int($1) }
            let value = stream.next() ?? 0
            if !data.isEmpty { data[at % data.count] = value }
        case 4: return stream.take(Int(stream.next() ?? 0) % 64)
        case 5: data += stream.take(Int(stream.next() ?? 0))
        case 6:
            altered = true
            switch (stream.next() ?? 0) % 4 {
            case 0: throw .cardRemoved
            case 1: throw .timeout
            case 2: throw .failure("reader failed")
            default: throw .readerUnavailable("reader gone")
            }
        default: data += data
        }
        return data + sw
    }
}

// MARK: - One run

final class Outcome: @unchecked Sendable {
    var trace: [String] = []
    var errors: [MynaCardError] = []
    let lock = NSLock()
    func add(_ line: String) { lock.lock(); trace.append(line); lock.unlock() }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard input.count >= 2 else {
        if input.isEmpty { _ = freshCard() }  // the warm-up run (fuzzMain)
        return 0
    }
    let ops = input[0]
    let extended = input[1] & 1 == 1
    let state = Secrets.state
    let transport = HostileTransport(card: freshCard(), extended: extended,
                                     stream: MutationStream(bytes: Array(input.dropFirst(2))))
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    Task {
        await run(ops: ops, transport: transport, state: state, outcome: outcome)
        done.signal()
    }
    done.wait()
    return 0
}

/// Runs the chosen operations and checks each result; `expect` holds when no answer was altered.
func run(ops: UInt8, transport: HostileTransport, state: VirtualCardState, outcome: Outcome) async {
    let card = MynaCard(transport: transport, tracer: { outcome.add($0.description) })
    var pinsGiven = 0
    var failures: [MynaCardError] = []

    func attempt<T>(_ body: () async throws -> T) async -> T? {
        do { return try await body() } catch let error as MynaCardError {
            failures.append(error)
            return nil
        } catch {
            fatalError("the card layer threw something other than MynaCardError: \(error)")
        }
    }

    if ops & 0x01 != 0, let apps = await attempt({ try await card.applications().value }) {
        guard !apps.isEmpty, Set(apps).count == apps.count else { fatalError("applications listed twice or none") }
        if await !transport.altered { guard apps == [MynaApplication.jpki, .text, .visual] else { fatalError("applications \(apps)") } }
    }
    if ops & 0x02 != 0, let token = await attempt({ try await card.jpki.token().value }) {
        guard token.last != " ", token.last != "\0" else { fatalError("token keeps its padding") }
        if await !transport.altered { guard token == "JPKIAPICCTOKEN2" else { fatalError("token \(token)") } }
    }
    if ops & 0x04 != 0, let serial = await attempt({ try await card.jpki.readAuthCertificateSerial().value }) {
        guard (1...21).contains(serial.bytes.count) else { fatalError("serial of \(serial.bytes.count) bytes") }
        if await !transport.altered {
            guard Array(serial.bytes) == [0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC] else { fatalError("wrong serial") }
        }
    }
    if ops & 0x08 != 0 {
        if let der = await attempt({ try await card.jpki.certificateDER(.authCA).value }) {
            checkOneTLV(der)
            if await !transport.altered { guard der == state.authCACertificate else { fatalError("auth CA certificate differs") } }
        }
        if let cert = await attempt({ try await card.jpki.certificate(.auth).value }) {
            if await !transport.altered {
                guard Array(cert.serialNumber.bytes) == [0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC] else { fatalError("certificate serial") }
            }
        }
    }
    if ops & 0x10 != 0 {
        pinsGiven += 1
        if await attempt({ try await card.text.verify(try PIN(Secrets.authPIN, kind: .text)) }) != nil,
           let number = await attempt({ try await card.text.myNumber().value }) {
            guard case .success = IndividualNumber.check(number.revealDigits()) else { fatalError("an invalid number came through") }
            if await !transport.altered { guard let expected = try? Secrets.holder.myNumber, number == expected else { fatalError("another number") } }
        }
    }
    if ops & 0x20 != 0 {
        if ops & 0x10 == 0 {
            pinsGiven += 1
            _ = await attempt({ try await card.text.verify(try PIN(Secrets.authPIN, kind: .text)) })
        }
        if let items = await attempt({ try await card.text.basicFourItems().value }), await !transport.altered {
            guard items.name == Secrets.holder.name, items.address == Secrets.holder.address,
                  items.birthDate == Secrets.holder.birthDate else { fatalError("4 items differ") }
        }
        if let signature = await attempt({ try await card.text.signatureData().value }) { checkOneTLV(signature) }
        if let cvc = await attempt({ try await card.text.certificate().value }) { checkOneTLV(cvc) }
    }
    if ops & 0x40 != 0 {
        pinsGiven += 1
        if await attempt({ try await card.visual.open(with: try PIN(Secrets.pinB, kind: .visualB)) }) != nil,
           let front = await attempt({ try await card.visual.frontSide().value }), await !transport.altered {
            guard front.facePhoto == state.faceImage, front.nameImage == state.nameImage,
                  front.addressImage == state.addressImage else { fatalError("front side differs") }
        }
    }
    if ops & 0x80 != 0 {
        if let tries = await attempt({ try await card.jpki.triesLeft(.signing).value }) {
            guard (0...15).contains(tries) else { fatalError("tries left \(tries)") }
        }
        pinsGiven += 1
        if await attempt({ try await card.jpki.verify(try PIN(Secrets.signingPassword, kind: .jpkiSigning)) }) != nil,
           let der = await attempt({ try await card.jpki.certificateDER(.signing).value }) {
            checkOneTLV(der)
            if await !transport.altered { guard der == state.signCertificate else { fatalError("signing certificate differs") } }
        }
    }

    let altered = await transport.altered
    let pinsSent = await transport.pinsSent
    guard pinsSent <= pinsGiven else { fatalError("\(pinsSent) PINs sent for \(pinsGiven) given") }
    if !altered, !failures.isEmpty { fatalError("an unaltered card failed: \(failures)") }
    let number = Secrets.holder.myNumberDigits
    for error in failures {
        for text in [error.japaneseMessage, error.englishMessage, "\(error)"] {
            if text.contains(number) || text.contains(Secrets.pinB) || text.contains(Secrets.signingPassword) {
                fatalError("an error text shows a secret")
            }
        }
    }
    let pinHex = [Secrets.authPIN, Secrets.pinB, Secrets.signingPassword].map { hex(Array($0.utf8)) }
    for line in outcome.trace {
        // Commands only: a response's data comes from the (hostile) card and may hold anything.
        if line.hasPrefix(">>"), pinHex.contains(where: { line.contains($0) }) { fatalError("a trace line shows a PIN: \(line)") }
        if line.contains(hex(Array(number.utf8))) { fatalError("a trace line shows the My Number") }
    }
}

/// A TLV file read from the card is exactly one object, as its header declares.
func checkOneTLV(_ bytes: [UInt8]) {
    guard let header = try? BERTLV.parseHeader(bytes), header.headerLength + header.valueLength == bytes.count else {
        fatalError("a TLV file read is not exactly one object")
    }
}

// MARK: - Seeds

/// Writes this target's seeds (every operation over an unaltered card, and a few alterations), and the
/// virtual card's files and APDUs for FuzzBERTLV and FuzzAPDU.
func writeSeeds(_ root: String) -> CInt {
    let base = URL(fileURLWithPath: root)
    var seeds: [(String, String, [UInt8])] = [
        ("FuzzCardClient", "all-unaltered", [0xFF, 0x01]),
        ("FuzzCardClient", "all-short-reader", [0xFF, 0x00]),
        ("FuzzCardClient", "serial-status-6282", [0x04, 0x01, 0x00, 0x00, 0x00, 0x01, 0x62, 0x82]),
        ("FuzzCardClient", "tries-one-left", [0x10, 0x01, 0x00, 0x00, 0x00, 0x01, 0x63, 0xC1]),
        ("FuzzCardClient", "number-byte-changed", [0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x05, 0x41]),
        ("FuzzCardClient", "cert-chained-61", [0x08, 0x01, 0x00, 0x00, 0x01, 0x61, 0x10]),
        ("FuzzCardClient", "front-side-cut", [0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20]),
        ("FuzzCardClient", "card-removed", [0xFF, 0x01, 0x00, 0x00, 0x06, 0x00]),
    ]
    // The card's own files, as read from an unaltered card, and the APDUs that read them.
    let card = VirtualMynaCard(state: Secrets.state)
    func exchange(_ command: [UInt8]) -> [UInt8] { card.process(command) }
    let jpki: [UInt8] = [0x00, 0xA4, 0x04, 0x0C, 0x0A] + MynaApplication.jpki.aid
    let text: [UInt8] = [0x00, 0xA4, 0x04, 0x0C, 0x0A] + MynaApplication.text.aid
    let visual: [UInt8] = [0x00, 0xA4, 0x04, 0x0C, 0x0A] + MynaApplication.visual.aid
    let readAll: [UInt8] = [0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00]
    func file(_ app: [UInt8], _ ef: UInt16, verify: [UInt8]? = nil) -> ([UInt8], [UInt8]) {
        _ = exchange(app)
        if let verify {
            let pinEF: [UInt8] = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, verify[0]]
            _ = exchange(pinEF)
            _ = exchange([0x00, 0x20, 0x00, 0x80, UInt8(verify.count - 1)] + verify.dropFirst())
        }
        let select: [UInt8] = [0x00, 0xA4, 0x02, 0x0C, 0x02, UInt8(ef >> 8), UInt8(ef & 0xFF)]
        _ = exchange(select)
        let response = exchange(readAll)
        return (select, response)
    }
    let (selectCert, certResponse) = file(jpki, 0x000A)
    let (_, fourItems) = file(text, 0x0002, verify: [0x11] + Array(Secrets.authPIN.utf8))
    let (_, front) = file(visual, 0x0002, verify: [0x12] + Array(Secrets.pinB.utf8))
    let (_, cvc) = file(text, 0x0004)
    for (name, response) in [("auth-certificate", certResponse), ("four-items", fourItems), ("front-side", front), ("text-cvc", cvc)] {
        seeds.append(("FuzzBERTLV", name, Array(response.dropLast(2))))
    }
    // FuzzAPDU's first byte picks the mode: 0 command bytes, 1 response bytes, 2 command fields.
    seeds += [
        ("FuzzAPDU", "select-jpki", [0] + jpki),
        ("FuzzAPDU", "select-ef", [0] + selectCert),
        ("FuzzAPDU", "read-binary-extended", [0] + readAll),
        ("FuzzAPDU", "read-binary-short", [0, 0x00, 0xB0, 0x00, 0x00, 0x08]),
        ("FuzzAPDU", "verify-tries", [0, 0x00, 0x20, 0x00, 0x80]),
        ("FuzzAPDU", "sign", [0, 0x80, 0x2A, 0x00, 0x80, 0x33] + DigestInfo.sha256Prefix + [UInt8](repeating: 0xAB, count: 32) + [0x00]),
        ("FuzzAPDU", "response-certificate-head", [1] + Array(certResponse.prefix(40)) + [0x90, 0x00]),
        ("FuzzAPDU", "response-tries", [1, 0x63, 0xC3]),
        ("FuzzAPDU", "response-chained", [1, 0x01, 0x02, 0x61, 0x10]),
        ("FuzzAPDU", "fields-case4-extended", [2, 0x00, 0x2A, 0x9E, 0x9A, 0x03, 0x00, 0x01, 0x00, 0x30, 0x31]),
        ("FuzzAPDU", "hex", [3] + Array("00 A4:04 0c".utf8)),
    ]
    for (target, name, bytes) in seeds {
        let dir = base.appendingPathComponent(target)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(bytes).write(to: dir.appendingPathComponent(name))
        } catch {
            print("cannot write seed \(target)/\(name): \(error)")
            return 1
        }
    }
    print("wrote \(seeds.count) seeds under \(base.path)")
    return 0
}
