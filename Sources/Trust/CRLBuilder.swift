import Crypto
import Foundation
import SwiftASN1
import X509
import CryptoExtras
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The RSA key that signs generated CRLs (test PKI only).
public struct CRLSigner: Sendable {
    let key: _RSA.Signing.PrivateKey

    public init(rsaKey: _RSA.Signing.PrivateKey) { key = rsaKey }

    /// From a PEM private key, such as `auth-ca-key.pem` written by `TestJPKIHierarchy.save(to:)`.
    public init(pemRepresentation: String) throws {
        key = try _RSA.Signing.PrivateKey(pemRepresentation: pemRepresentation)
    }

    var signatureLength: Int { key.keySizeInBits / 8 }
}

/// Writes signed X.509 v2 CRLs (RFC 5280 section 5) with sha256WithRSAEncryption, streamed to a file so
/// that ten million entries need no more memory than one write buffer.
///
/// DER needs every length before its content, so writing takes two passes over the entries: the first
/// only adds up entry sizes, the second encodes them while hashing tbsCertList for the signature. The
/// entries therefore come from a `Collection` that can be walked twice, such as ``SyntheticRevocations``.
public struct CRLBuilder: Sendable {
    /// The issuing CA's certificate: its subject becomes the CRL issuer, its subject key identifier the
    /// authorityKeyIdentifier (RFC 5280 section 5.2.1 requires the extension).
    public var issuer: Certificate
    public var signer: CRLSigner
    public var thisUpdate: Date
    public var nextUpdate: Date?
    /// cRLNumber (section 5.2.3, required).
    public var crlNumber: CRLNumber
    /// Set for a delta CRL: the deltaCRLIndicator's BaseCRLNumber (section 5.2.4).
    public var baseCRLNumber: CRLNumber?
    /// Where delta CRLs are published: the freshestCRL extension of a complete CRL (section 5.2.6).
    /// OpenSSL only looks for deltas (`verify -use_deltas`) when the base CRL or certificate has it.
    public var freshestCRL: String?
    /// Whether the CRL names its signer's key (authorityKeyIdentifier). RFC 5280 requires it; false
    /// makes a CRL like those of issuers that omit it, to test that such a CRL still answers only for
    /// the key that verified it.
    public var includesAuthorityKeyIdentifier = true

    public init(issuer: Certificate, signer: CRLSigner, thisUpdate: Date, nextUpdate: Date?, crlNumber: CRLNumber, baseCRLNumber: CRLNumber? = nil) {
        self.issuer = issuer
        self.signer = signer
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.crlNumber = crlNumber
        self.baseCRLNumber = baseCRLNumber
    }

    /// Writes the CRL to `path` and returns its size in bytes.
    @discardableResult
    public func write<C: Collection<CRLEntry>>(entries: C, to path: String, progress: ((Int) -> Void)? = nil) throws -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw CRLError.io("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var failed: Int32 = 0
        let size = try encode(entries: entries, progress: progress) { chunk in
            var done = 0
            while done < chunk.count && failed == 0 {
                let n = posixWrite(fd, chunk.baseAddress! + done, chunk.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { failed = errno; break }
                done += n
            }
        }
        if failed != 0 { throw CRLError.io("cannot write \(path): \(String(cString: strerror(failed)))") }
        return size
    }

    /// The CRL's DER bytes in memory (for tests and small CRLs).
    public func der<C: Collection<CRLEntry>>(entries: C) throws -> [UInt8] {
        var out: [UInt8] = []
        _ = try encode(entries: entries, progress: nil) { out.append(contentsOf: $0) }
        return out
    }

    func encode<C: Collection<CRLEntry>>(entries: C, progress: ((Int) -> Void)?, sink: (UnsafeRawBufferPointer) -> Void) throws -> Int {
        // Pass 1: sizes.
        var entriesLength = 0
        for e in entries { entriesLength += DERHeader.total(contentLength: Self.entryContentLength(e)) }

        var head: [UInt8] = [0x02, 0x01, 0x01]  // version v2 (section 5.1.2.1)
        head += Self.algorithmIdentifier
        var issuerDER = DER.Serializer()
        try issuerDER.serialize(issuer.subject)
        head += issuerDER.serializedBytes
        Self.appendTime(Int64(thisUpdate.timeIntervalSince1970.rounded(.down)), to: &head)
        if let nextUpdate { Self.appendTime(Int64(nextUpdate.timeIntervalSince1970.rounded(.down)), to: &head) }

        let extensions = try crlExtensions()
        // Section 5.1.2.6: with no revoked certificates the list is absent, not empty.
        let revokedTotal = entries.isEmpty ? 0 : DERHeader.total(contentLength: entriesLength)
        let tbsContent = head.count + revokedTotal + extensions.count
        let tbsTotal = DERHeader.total(contentLength: tbsContent)
        let signatureBits = signer.signatureLength + 1
        let outerContent = tbsTotal + Self.algorithmIdentifier.count + DERHeader.total(contentLength: signatureBits)

        // Pass 2: bytes.
        var writer = ChunkWriter()
        DERHeader.append(tag: 0x30, length: outerContent, to: &writer.buffer)
        writer.startHashing()
        DERHeader.append(tag: 0x30, length: tbsContent, to: &writer.buffer)
        writer.buffer += head
        if !entries.isEmpty {
            DERHeader.append(tag: 0x30, length: entriesLength, to: &writer.buffer)
            var n = 0
            for e in entries {
                Self.appendEntry(e, to: &writer.buffer)
                writer.flushIfFull(sink)
                n += 1
                if n & 0xFFFF == 0 { progress?(n) }
            }
        }
        writer.buffer += extensions
        let digest = writer.stopHashing()
        let signature = try signer.key.signature(for: digest, padding: .insecurePKCS1v1_5)
        writer.buffer += Self.algorithmIdentifier
        DERHeader.append(tag: 0x03, length: signatureBits, to: &writer.buffer)
        writer.buffer.append(0)
        signature.withUnsafeBytes { writer.buffer.append(contentsOf: $0) }
        writer.flush(sink)
        progress?(entries.count)
        return DERHeader.total(contentLength: outerContent)
    }

    /// sha256WithRSAEncryption with NULL parameters (RFC 4055 section 5).
    static let algorithmIdentifier: [UInt8] = [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00]

    /// `[0] { authorityKeyIdentifier, cRLNumber, deltaCRLIndicator? }`, via swift-certificates' Extension.
    func crlExtensions() throws -> [UInt8] {
        let keyID = try issuer.extensions.subjectKeyIdentifier?.keyIdentifier ?? SubjectKeyIdentifier(hash: issuer.publicKey).keyIdentifier
        var list: [Certificate.Extension] = []
        if includesAuthorityKeyIdentifier { list.append(try Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: keyID), critical: false)) }
        func integerExtension(_ oid: ASN1ObjectIdentifier, _ n: CRLNumber, critical: Bool) throws -> Certificate.Extension {
            var s = DER.Serializer()
            try s.serialize(ArraySlice(n.integerBytes))
            return Certificate.Extension(oid: oid, critical: critical, value: s.serializedBytes[...])
        }
        list.append(try integerExtension([2, 5, 29, 20], crlNumber, critical: false))
        // deltaCRLIndicator is always critical (section 5.2.4).
        if let base = baseCRLNumber { list.append(try integerExtension([2, 5, 29, 27], base, critical: true)) }
        if let url = freshestCRL, baseCRLNumber == nil {
            // CRLDistributionPoints syntax: SEQUENCE { DistributionPoint { [0] { [0] fullName { [6] URI } } } }.
            let uri = Array(url.utf8)
            var name: [UInt8] = []; DERHeader.append(tag: 0x86, length: uri.count, to: &name); name += uri
            var full: [UInt8] = []; DERHeader.append(tag: 0xA0, length: name.count, to: &full); full += name
            var dpName: [UInt8] = []; DERHeader.append(tag: 0xA0, length: full.count, to: &dpName); dpName += full
            var dp: [UInt8] = []; DERHeader.append(tag: 0x30, length: dpName.count, to: &dp); dp += dpName
            var value: [UInt8] = []; DERHeader.append(tag: 0x30, length: dp.count, to: &value); value += dp
            list.append(Certificate.Extension(oid: [2, 5, 29, 46], critical: false, value: value[...]))
        }
        var s = DER.Serializer()
        try s.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { c in
            try c.appendConstructedNode(identifier: .sequence) { seq in
                for e in list { try seq.serialize(e) }
            }
        }
        return s.serializedBytes
    }

    static func appendTime(_ seconds: Int64, to out: inout [UInt8]) {
        let (tag, bytes) = DERTime.encode(seconds)
        out.append(tag); out.append(UInt8(bytes.count)); out += bytes
    }

    static func timeLength(_ seconds: Int64) -> Int { DERTime.encode(seconds).bytes.count == 13 ? 15 : 17 }

    static func extensionsContentLength(_ e: CRLEntry) -> Int {
        (e.reason != nil ? 12 : 0) + (e.invalidityDate != nil ? 26 : 0)
    }

    static func entryContentLength(_ e: CRLEntry) -> Int {
        let seconds = Int64(e.revocationDate.timeIntervalSince1970.rounded(.down))
        let year2050: Int64 = 2_524_608_000
        let time = seconds >= -631_152_000 && seconds < year2050 ? 15 : 17
        let ext = extensionsContentLength(e)
        return DERHeader.total(contentLength: e.serial.count + signByte(e)) + time + (ext > 0 ? DERHeader.total(contentLength: ext) : 0)
    }

    /// 1 when the serial's top bit is set: serials are positive (RFC 5280 section 4.1.2.2), so such
    /// bytes are a magnitude (as swift-certificates' `SerialNumber.bytes` gives it) and need the `00`
    /// sign byte to be the same INTEGER in DER.
    @inline(__always)
    static func signByte(_ e: CRLEntry) -> Int { (e.serial.first ?? 0) & 0x80 != 0 ? 1 : 0 }

    /// One revokedCertificates entry (section 5.1.2.6) with reasonCode and invalidityDate (section 5.3).
    static func appendEntry(_ e: CRLEntry, to out: inout [UInt8]) {
        DERHeader.append(tag: 0x30, length: entryContentLength(e), to: &out)
        DERHeader.append(tag: 0x02, length: e.serial.count + signByte(e), to: &out)
        if signByte(e) == 1 { out.append(0) }
        out += e.serial
        appendTime(Int64(e.revocationDate.timeIntervalSince1970.rounded(.down)), to: &out)
        let ext = extensionsContentLength(e)
        guard ext > 0 else { return }
        DERHeader.append(tag: 0x30, length: ext, to: &out)
        if let r = e.reason {
            out += [0x30, 0x0A, 0x06, 0x03, 0x55, 0x1D, 0x15, 0x04, 0x03, 0x0A, 0x01, UInt8(r.rawValue)]
        }
        if let inv = e.invalidityDate {
            out += [0x30, 0x18, 0x06, 0x03, 0x55, 0x1D, 0x18, 0x04, 0x11, 0x18, 0x0F]
            out += DERTime.generalized(Int64(inv.timeIntervalSince1970.rounded(.down)))
        }
    }
}

/// A write buffer that flushes in 1 MiB chunks and hashes the tbsCertList part as it goes.
struct ChunkWriter {
    var buffer: [UInt8] = []
    var hasher: SHA256?
    var hashFrom = 0

    init() { buffer.reserveCapacity(1 << 20 + 4096) }

    mutating func flushIfFull(_ sink: (UnsafeRawBufferPointer) -> Void) {
        if buffer.count >= 1 << 20 { flush(sink) }
    }

    mutating func startHashing() { hasher = SHA256(); hashFrom = buffer.count }

    mutating func stopHashing() -> SHA256.Digest {
        var h = hasher!
        buffer.withUnsafeBytes { h.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[hashFrom...])) }
        hasher = nil
        hashFrom = buffer.count
        return h.finalize()
    }

    mutating func flush(_ sink: (UnsafeRawBufferPointer) -> Void) {
        let from = hashFrom
        if var h = hasher {
            buffer.withUnsafeBytes { h.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[from...])) }
            hasher = h
        }
        buffer.withUnsafeBytes { sink($0) }
        buffer.removeAll(keepingCapacity: true)
        hashFrom = 0
    }
}
