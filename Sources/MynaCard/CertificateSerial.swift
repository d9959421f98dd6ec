import X509

/// Finding the serial number in the first bytes of a DER certificate, so a door reads ~40 bytes
/// instead of ~1.5 KB.
///
/// RFC 5280 section 4.1: `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] EXPLICIT version
/// OPTIONAL, serialNumber INTEGER, … } … }`. The serial is therefore the first INTEGER inside the
/// second SEQUENCE, after an optional `A0` version. With a 20-byte serial (the RFC's maximum) the
/// whole prefix is at most 4 + 4 + 5 + 2 + 20 = 35 bytes.
enum CertificatePrefix {
    /// Bytes read in the first READ BINARY for a tap: enough for the longest conforming serial.
    static let readLength = 40

    /// The result of scanning a prefix: the serial, or how many bytes are needed to find it.
    enum Scan: Equatable {
        case serial([UInt8])
        case needMore(Int)
    }

    /// Scans `prefix` (the first bytes of the certificate file).
    static func scanSerial(_ p: [UInt8]) throws(MynaCardError) -> Scan {
        var i = 0
        func need(_ n: Int) -> Bool { i + n > p.count }
        // Outer SEQUENCE and tbsCertificate SEQUENCE headers.
        for _ in 0..<2 {
            if need(2) { return .needMore(i + 2) }
            guard p[i] == 0x30 else { throw .malformedData("certificate does not start with a SEQUENCE") }
            let lengthBytes = p[i + 1] & 0x80 != 0 ? Int(p[i + 1] & 0x7F) : 0
            guard lengthBytes <= 4 else { throw .malformedData("certificate length field too long") }
            if need(2 + lengthBytes) { return .needMore(i + 2 + lengthBytes) }
            i += 2 + lengthBytes
        }
        // Optional [0] EXPLICIT version.
        if need(1) { return .needMore(i + 1) }
        if p[i] == 0xA0 {
            if need(2) { return .needMore(i + 2) }
            guard p[i + 1] < 0x80 else { throw .malformedData("certificate version field malformed") }
            i += 2 + Int(p[i + 1])
        }
        if need(2) { return .needMore(i + 2) }
        guard p[i] == 0x02 else { throw .malformedData("certificate serial is not an INTEGER") }
        let length = Int(p[i + 1])
        guard length >= 1, length <= 21 else { throw .malformedData("certificate serial of \(length) bytes") }
        if need(2 + length) { return .needMore(i + 2 + length) }
        return .serial(Array(p[(i + 2)..<(i + 2 + length)]))
    }
}
