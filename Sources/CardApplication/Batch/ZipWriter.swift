import Access
import Foundation

/// Why a ZIP could not be written.
public enum ZipError: Error, Sendable, Hashable {
    /// The archive would pass 4 GiB or 65,535 entries, which needs ZIP64 (not written here).
    case tooLarge
    /// Two entries with the same name.
    case duplicateName(String)
    /// An empty name, an absolute path or `..`.
    case badName(String)
}

/// A minimal ZIP writer (PKWARE APPNOTE.TXT 6.3): stored (uncompressed) entries with CRC-32, a
/// central directory and the end record. Names are UTF-8 with general-purpose flag bit 11 set, so
/// Japanese file names survive. Stored, not deflated: JPEG does not compress further, and the
/// writer stays small enough to audit.
public struct ZipWriter: Sendable {
    private var body = Data()
    private var central = Data()
    private var names = Set<String>()
    private var count = 0

    public init() {}

    /// Adds a file. `modified` is written as DOS date/time in Japan time (DOS times have no zone).
    public mutating func add(_ name: String, _ data: Data, modified: Date) throws(ZipError) {
        guard !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else { throw .badName(name) }
        guard names.insert(name).inserted else { throw .duplicateName(name) }
        let nameBytes = Array(name.utf8)
        guard count < 0xFFFF, nameBytes.count <= 0xFFFF,
              body.count + 30 + nameBytes.count + data.count < 0xFFFF_FFFF - 0x10000 else { throw .tooLarge }
        let crc = CRC32.checksum(data)
        let (dosTime, dosDate) = Self.dos(modified)
        let offset = UInt32(body.count)
        let flags: UInt16 = 1 << 11  // UTF-8 names

        var local = Data()
        local.le32(0x0403_4B50); local.le16(20); local.le16(flags); local.le16(0)  // version, flags, stored
        local.le16(dosTime); local.le16(dosDate); local.le32(crc)
        local.le32(UInt32(data.count)); local.le32(UInt32(data.count))
        local.le16(UInt16(nameBytes.count)); local.le16(0)
        local.append(contentsOf: nameBytes)
        body += local
        body += data

        var entry = Data()
        entry.le32(0x0201_4B50); entry.le16(0x031E); entry.le16(20); entry.le16(flags); entry.le16(0)  // made by Unix 3.0
        entry.le16(dosTime); entry.le16(dosDate); entry.le32(crc)
        entry.le32(UInt32(data.count)); entry.le32(UInt32(data.count))
        entry.le16(UInt16(nameBytes.count)); entry.le16(0); entry.le16(0)  // extra, comment
        entry.le16(0); entry.le16(0)  // disk, internal attributes
        entry.le32(0o100644 << 16)  // external attributes: a regular file, rw-r--r--
        entry.le32(offset)
        entry.append(contentsOf: nameBytes)
        central += entry
        count += 1
    }

    /// The archive's bytes.
    public func finish() -> Data {
        var end = Data()
        end.le32(0x0605_4B50); end.le16(0); end.le16(0)
        end.le16(UInt16(count)); end.le16(UInt16(count))
        end.le32(UInt32(central.count)); end.le32(UInt32(body.count)); end.le16(0)
        return body + central + end
    }

    static func dos(_ date: Date) -> (time: UInt16, date: UInt16) {
        let t = JapanTime(date)
        let year = max(1980, min(2107, t.date.year))
        let d = UInt16((year - 1980) << 9 | t.date.month << 5 | t.date.day)
        let seconds = (Int(date.timeIntervalSince1970) % 60 + 60) % 60
        let time = UInt16(t.minuteOfDay / 60 << 11 | t.minuteOfDay % 60 << 5 | seconds / 2)
        return (time, d)
    }
}

extension Data {
    mutating func le16(_ v: UInt16) { append(UInt8(v & 0xFF)); append(UInt8(v >> 8)) }
    mutating func le32(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { append(UInt8((v >> UInt32(s)) & 0xFF)) } }
}
