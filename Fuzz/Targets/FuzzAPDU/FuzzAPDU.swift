// libFuzzer target: command and response APDU parsing and encoding (Sources/SmartCard), and the trace
// lines made from them. The first input byte picks what the rest is:
// - 0: bytes of a command APDU, as a card (the virtual card, a vpcd bridge) receives them;
// - 1: bytes of a response APDU, as a reader returns them;
// - 2: the fields of a command (CLA INS P1 P2, flags, Le, data) as the card layer builds one;
// - 3: text for the hex reader.
// Invariants: a parsed command re-encodes to exactly its bytes; an encoded command parses back to
// itself; a response splits and rejoins losslessly and its status word's counters stay in range; a
// redacted trace line never shows the redacted bytes, and no trace line shows 12 digits in a row.
import FuzzSupport
import SmartCard

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzAPDU_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mynagate_fuzz_main(argc, argv)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let mode = input.first else { return 0 }
    let bytes = Array(input.dropFirst())
    switch mode % 4 {
    case 0: commandBytes(bytes)
    case 1: responseBytes(bytes)
    case 2: commandFields(bytes)
    default: hexText(bytes)
    }
    return 0
}

private func commandBytes(_ bytes: [UInt8]) {
    guard let command = try? CommandAPDU(bytes: bytes) else { return }
    guard let encoded = try? command.encoded() else { fatalError("a parsed command cannot be encoded") }
    guard encoded == bytes else { fatalError("a parsed command re-encodes to other bytes") }
    guard (1...4).contains(command.isoCase), command.data.count <= 65_535 else { fatalError("impossible command") }
    if let le = command.le, !(1...65_536).contains(le) { fatalError("parsed Le \(le) out of range") }
    checkTrace(command, encoded)
}

private func responseBytes(_ bytes: [UInt8]) {
    guard let response = try? ResponseAPDU(bytes: bytes) else {
        guard bytes.count < 2 else { fatalError("a response of two bytes or more was refused") }
        return
    }
    guard response.encoded == bytes, response.data.count == bytes.count - 2 else { fatalError("response does not rejoin") }
    let sw = response.status
    guard StatusWord(sw1: sw.sw1, sw2: sw.sw2) == sw else { fatalError("status word bytes do not rejoin") }
    if let n = sw.retryCounter, !(0...15).contains(n) { fatalError("retry counter \(n)") }
    if let n = sw.bytesRemaining, !(1...256).contains(n) { fatalError("bytes remaining \(n)") }
    if let n = sw.correctLe, !(1...256).contains(n) { fatalError("correct Le \(n)") }
    guard !sw.meaning.isEmpty, sw.description.count == 4 else { fatalError("status word text") }
    let redacted = APDUTraceEntry.response(response, redacting: true)
    if !response.data.isEmpty, redacted.text != "[\(response.data.count) bytes redacted] \(sw)" {
        fatalError("a redacted response shows more than its length and status")
    }
    checkNoDigitRun(APDUTraceEntry.response(response, redacting: false).text)
    checkNoDigitRun(redacted.text)
}

private func commandFields(_ bytes: [UInt8]) {
    guard bytes.count >= 8 else { return }
    let flags = bytes[4]
    let leRaw = Int(bytes[5]) << 16 | Int(bytes[6]) << 8 | Int(bytes[7])
    let le: Int? = flags & 1 == 0 ? nil : leRaw % 65_538  // 0 and 65 537 are invalid on purpose
    let redaction: CommandAPDU.Redaction = flags & 4 != 0 ? [.commandData] : []
    var data = Array(bytes.dropFirst(8))
    if flags & 8 != 0, !data.isEmpty {
        // Long data without a long input: repeat the given bytes to a length at a boundary of the
        // encoding (short/extended Lc, the extended maximum and one past it).
        let target = [255, 256, 257, 65_535, 65_536][Int(data[0]) % 5]
        while data.count < target { data += data }
        data = Array(data.prefix(target))
    }
    let command = CommandAPDU(cla: bytes[0], ins: bytes[1], p1: bytes[2], p2: bytes[3], data: data, le: le,
                              forceExtended: flags & 2 != 0, redaction: redaction)
    let encoded: [UInt8]
    do {
        encoded = try command.encoded()
    } catch {
        let valid = data.count <= 65_535 && (le.map { (1...65_536).contains($0) } ?? true)
        guard !valid else { fatalError("a valid command was refused: \(error)") }
        return
    }
    guard let parsed = try? CommandAPDU(bytes: encoded, redaction: redaction) else { fatalError("an encoded command does not parse") }
    var expected = command
    expected.forceExtended = command.isExtended && !(command.data.isEmpty && command.le == nil)
    guard parsed == expected else { fatalError("an encoded command parses to another command") }
    checkTrace(command, encoded)
}

private func hexText(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    if let parsed = SmartCard.bytes(fromHex: text) {
        guard parsed.count <= bytes.count / 2 else { fatalError("hex reader made more bytes than the text holds") }
        guard SmartCard.bytes(fromHex: hex(parsed)) == parsed else { fatalError("hex does not round-trip") }
    }
    guard SmartCard.bytes(fromHex: hex(bytes)) == bytes else { fatalError("hex does not round-trip") }
    let masked = APDUTraceEntry.maskDigitRuns(bytes)
    guard masked.count == bytes.count else { fatalError("masking changed the length") }
    var run = 0
    for (b, m) in zip(bytes, masked) {
        run = (0x30...0x39).contains(m) ? run + 1 : 0
        guard run < 12 else { fatalError("12 digits in a row survive masking") }
        guard m == b || (m == 0x2A && (0x30...0x39).contains(b)) else { fatalError("masking changed a non-digit") }
    }
}

private func checkTrace(_ command: CommandAPDU, _ encoded: [UInt8]) {
    let line = APDUTraceEntry.command(command, bytes: encoded)
    let pin = [0x20, 0x21, 0x24, 0x25, 0x2C, 0x2D].contains(command.ins)
    if pin, !command.data.isEmpty {
        // A PIN's length is a secret too (a 6–16 character signing password).
        guard line.text == hex(encoded.prefix(4)) + " [PIN redacted]" else {
            fatalError("a PIN command's trace shows more than its header")
        }
    } else if command.redaction.contains(.commandData), !command.data.isEmpty {
        guard line.text == hex(encoded.prefix(4)) + " [\(command.data.count) bytes redacted]" else {
            fatalError("a secret command's trace shows more than its header")
        }
    }
    checkNoDigitRun(line.text)
}

/// No 12 ASCII digits in a row, as hex pairs `3x` (a My Number on the wire), in a trace line.
private func checkNoDigitRun(_ text: String) {
    var run = 0
    for pair in text.split(separator: " ") {
        if pair.count == 2, pair.first == "3", let last = pair.last, last.isASCII, last.isNumber {
            run += 1
            if run >= 12 { fatalError("a trace line shows 12 digits in a row") }
        } else {
            run = 0
        }
    }
}
