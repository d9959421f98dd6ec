import Foundation
import SmartCard

/// A small card for bridge tests: it records power events and answers a JPKI-like SELECT and READ
/// BINARY, so the bridge is tested without depending on the full virtual My Number card.
final class RecordingCard: CardEmulator, @unchecked Sendable {
    // @unchecked: `log` and `powered` are guarded by `lock`.
    let atr: [UInt8] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]
    private let lock = NSLock()
    private var log: [String] = []
    private var powered = false

    /// A DER-looking file: `30 82 01 00` and 256 bytes.
    static let certificate: [UInt8] = [0x30, 0x82, 0x01, 0x00] + (0..<256).map { UInt8($0 & 0xFF) }

    var events: [String] { lock.withLock { log } }

    func powerOn() { lock.withLock { log.append("on"); powered = true } }
    func powerOff() { lock.withLock { log.append("off"); powered = false } }
    func reset() { lock.withLock { log.append("reset") } }

    func process(_ command: [UInt8]) -> [UInt8] {
        lock.withLock { log.append("apdu") }
        guard command.count >= 4 else { return [0x67, 0x00] }
        switch (command[0], command[1]) {
        case (0x00, 0xA4):
            let jpki: [UInt8] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]
            if command[2] == 0x04, Array(command.dropFirst(5).prefix(10)) == jpki { return [0x90, 0x00] }
            if command[2] == 0x02 { return [0x90, 0x00] }
            return [0x6A, 0x82]
        case (0x00, 0xB0):
            let offset = Int(command[2]) << 8 | Int(command[3])
            let le = command.count == 5 ? (command[4] == 0 ? 256 : Int(command[4])) : 256
            guard offset <= Self.certificate.count else { return [0x6B, 0x00] }
            return Array(Self.certificate[offset...].prefix(le)) + [0x90, 0x00]
        case (0x00, 0xEE):
            // A long response, to check frames above one recv chunk.
            return [UInt8](repeating: 0xAB, count: 5000) + [0x90, 0x00]
        default:
            return [0x6D, 0x00]
        }
    }
}
