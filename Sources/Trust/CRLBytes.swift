import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a CRL: a read-only memory mapping of a DER file, or a buffer (decoded PEM, test input).
///
/// A mapping is used so a 500 MB CRL is never copied into the heap: pages come from the page cache as
/// the walk reaches them, and ``release(before:)`` hands back the ones already walked, so resident memory
/// stays a few windows wide however large the file is.
final class CRLBytes: @unchecked Sendable {
    // Immutable after init; the pointer is only read. That is what makes sharing it safe.
    let base: UnsafeRawPointer
    let count: Int
    private let isMapped: Bool
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Maps a DER file, or decodes a PEM file (`-----BEGIN X509 CRL-----`, RFC 7468 section 5) into memory.
    init(path: String) throws(CRLError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw .io("\(path) is not a regular file") }
        let size = Int(st.st_size)
        guard size > 0 else { throw .truncated("CertificateList (the file is empty)") }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw .io("cannot map \(path): \(String(cString: strerror(errno)))")
        }
        _ = madvise(p, size, MADV_SEQUENTIAL)
        let raw = UnsafeRawPointer(p)
        if let der = Self.decodePEMIfPresent(UnsafeRawBufferPointer(start: raw, count: size)) {
            munmap(p, size)
            let copy = UnsafeMutableRawPointer.allocate(byteCount: max(1, der.count), alignment: 16)
            der.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: der.count) }
            base = UnsafeRawPointer(copy); count = der.count; isMapped = false
        } else {
            base = raw; count = size; isMapped = true
        }
    }

    /// A copy of `bytes` (DER or PEM).
    init(bytes: [UInt8]) {
        let der = bytes.withUnsafeBytes { Self.decodePEMIfPresent($0) } ?? bytes
        let copy = UnsafeMutableRawPointer.allocate(byteCount: max(1, der.count), alignment: 16)
        der.withUnsafeBytes { if der.count > 0 { copy.copyMemory(from: $0.baseAddress!, byteCount: der.count) } }
        base = UnsafeRawPointer(copy); count = der.count; isMapped = false
    }

    deinit {
        if isMapped { munmap(UnsafeMutableRawPointer(mutating: base), count) } else { base.deallocate() }
    }

    /// Drops the pages before `offset` from this process's resident set; they are re-read from the
    /// page cache if touched again. A no-op for heap buffers.
    func release(before offset: Int) {
        guard isMapped else { return }
        let end = offset / Self.pageSize * Self.pageSize
        if end > 0 { _ = madvise(UnsafeMutableRawPointer(mutating: base), end, MADV_DONTNEED) }
    }

    /// DER bytes when `raw` is PEM text, nil when it is not PEM (binary DER starts with 0x30).
    static func decodePEMIfPresent(_ raw: UnsafeRawBufferPointer) -> [UInt8]? {
        var i = 0
        while i < raw.count, [0x20, 0x09, 0x0A, 0x0D].contains(raw[i]) { i += 1 }
        guard raw.count - i >= 10, raw[i] == 0x2D /* - */ else { return nil }
        // PEM CRLs are small in practice (big ones are fetched as DER, RFC 5280 section 4.2.1.13),
        // so decoding into memory is fine.
        guard let text = String(bytes: raw[i...], encoding: .ascii) ?? String(bytes: raw[i...], encoding: .utf8) else { return [] }
        guard let begin = text.range(of: "-----BEGIN X509 CRL-----"),
              let end = text.range(of: "-----END X509 CRL-----", range: begin.upperBound..<text.endIndex) else { return [] }
        let body = text[begin.upperBound..<end.lowerBound]
        return Data(base64Encoded: String(body), options: .ignoreUnknownCharacters).map { Array($0) } ?? []
    }
}
