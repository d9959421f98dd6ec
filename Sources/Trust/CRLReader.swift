import Foundation
import SwiftASN1
import X509

/// One entry of a CRL as the streaming walk sees it. `serial` points into the CRL's bytes and is valid
/// only inside the closure that receives it; use ``entry`` to keep a copy.
public struct CRLEntryView {
    /// DER INTEGER content bytes of userCertificate, exactly as in the CRL.
    public let serial: UnsafeRawBufferPointer
    /// revocationDate in seconds since 1970.
    public let revocationSeconds: Int64
    public let reason: CRLReason?
    /// invalidityDate in seconds since 1970.
    public let invaliditySeconds: Int64?

    /// A copy that outlives the walk.
    public var entry: CRLEntry {
        CRLEntry(serial: Array(serial), revocationDate: Date(timeIntervalSince1970: Double(revocationSeconds)),
                 reason: reason, invalidityDate: invaliditySeconds.map { Date(timeIntervalSince1970: Double($0)) })
    }
}

/// A streaming reader of an X.509 v2 CRL (RFC 5280 section 5.1).
///
/// Opening parses only the frame and the header (issuer, dates, CRL extensions); the entries are walked
/// later by ``forEachEntry(verifyingWith:progress:_:)`` one at a time from the file mapping, while the
/// tbsCertList bytes are hashed from the same mapping for the signature. Nothing proportional to the
/// number of entries is allocated.
public struct CRLReader: Sendable {
    let bytes: CRLBytes
    /// The CRL's header fields.
    public let info: CRLInfo
    let tbsRange: Range<Int>
    let revokedContent: Range<Int>?
    let signature: Range<Int>

    /// Maps (DER) or decodes (PEM) the CRL at `path` and parses its header.
    public init(path: String) throws(CRLError) {
        try self.init(bytes: CRLBytes(path: path))
    }

    /// Parses a CRL held in memory (DER or PEM).
    public init(bytes: [UInt8]) throws(CRLError) {
        try self.init(bytes: CRLBytes(bytes: bytes))
    }

    /// The size of the CRL's DER encoding.
    public var byteCount: Int { bytes.count }

    init(bytes: CRLBytes) throws(CRLError) {
        self.bytes = bytes
        var top = DERScanner(base: bytes.base, start: 0, end: bytes.count)
        // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue } (section 5.1.1)
        let list = try top.read(0x30, "CertificateList")
        guard top.isAtEnd else { throw .malformed("bytes after the CertificateList") }
        var outer = top.inside(list)
        let tbs = try outer.read(0x30, "tbsCertList")
        let outerAlgorithm = try Self.algorithm(&outer)
        let bits = try outer.read(0x03, "signatureValue")
        guard outer.isAtEnd else { throw .malformed("extra fields after signatureValue") }
        guard bits.contentLength >= 2, bytes.base.load(fromByteOffset: bits.contentStart, as: UInt8.self) == 0 else {
            throw .malformed("signatureValue must be a BIT STRING with no unused bits")
        }
        tbsRange = tbs.headerStart..<tbs.contentEnd
        signature = (bits.contentStart + 1)..<bits.contentEnd

        var t = outer.inside(tbs)
        var version = 1
        if t.peekTag() == 0x02 {
            let v = try t.read("version")
            // Only v2 is ever encoded; v1 omits the field (section 5.1.2.1).
            guard v.contentLength == 1, bytes.base.load(fromByteOffset: v.contentStart, as: UInt8.self) == 1 else {
                throw .malformed("version must be v2 (1)")
            }
            version = 2
        }
        let innerAlgorithm = try Self.algorithm(&t)
        // Section 5.1.1.2: the two algorithm fields must be identical.
        guard innerAlgorithm == outerAlgorithm else { throw .malformed("signature algorithm fields differ") }
        let issuerElement = try t.read(0x30, "issuer")
        let issuerDER = t.encoded(issuerElement)
        let issuer: DistinguishedName
        do { issuer = try DistinguishedName(derEncoded: DER.parse(issuerDER)) } catch {
            throw .malformed("issuer is not a valid Name")
        }
        let thisUpdate = try Self.time(&t, "thisUpdate")
        var nextUpdate: Int64?
        if let tag = t.peekTag(), tag == DERTime.utcTimeTag || tag == DERTime.generalizedTimeTag {
            nextUpdate = try Self.time(&t, "nextUpdate")
        }
        var revoked: Range<Int>?
        if t.peekTag() == 0x30 {
            let r = try t.read("revokedCertificates")
            revoked = r.contentStart..<r.contentEnd
        }
        var info = CRLInfo(version: version, signatureAlgorithm: innerAlgorithm, issuer: issuer, issuerDER: issuerDER,
                           thisUpdate: Date(timeIntervalSince1970: Double(thisUpdate)),
                           nextUpdate: nextUpdate.map { Date(timeIntervalSince1970: Double($0)) },
                           crlNumber: nil, baseCRLNumber: nil, authorityKeyIdentifier: nil)
        if t.peekTag() == 0xA0 {
            let wrapper = try t.read("crlExtensions")
            guard version == 2 else { throw .malformed("a v1 CRL cannot have extensions") }
            try Self.parseExtensions(Array(t.content(wrapper)), into: &info)
        }
        guard t.isAtEnd else { throw .malformed("unexpected fields in tbsCertList") }
        self.info = info
        revokedContent = revoked
    }

    static func algorithm(_ s: inout DERScanner) throws(CRLError) -> CRLSignatureAlgorithm {
        let seq = try s.read(0x30, "AlgorithmIdentifier")
        var a = s.inside(seq)
        let oid = try a.read(0x06, "algorithm OID")
        guard let alg = CRLSignatureAlgorithm(oidBytes: a.content(oid)) else {
            throw .unsupportedAlgorithm(oidString(a.content(oid)))
        }
        if !a.isAtEnd { _ = try a.read(0x05, "algorithm parameters (NULL)") }
        guard a.isAtEnd else { throw .malformed("AlgorithmIdentifier has extra fields") }
        return alg
    }

    static func time(_ s: inout DERScanner, _ what: StaticString) throws(CRLError) -> Int64 {
        let e = try s.read(what)
        return try DERTime.seconds(tag: e.tag, s.content(e))
    }

    /// crlExtensions (section 5.2), parsed with swift-asn1 and swift-certificates' Extension type: the
    /// list is a handful of small values, so the tree parser costs nothing here.
    static func parseExtensions(_ der: [UInt8], into info: inout CRLInfo) throws(CRLError) {
        do {
            let root = try DER.parse(der)
            let extensions = try DER.sequence(of: Certificate.Extension.self, identifier: .sequence, rootNode: root)
            for ext in extensions {
                switch ext.oid {
                case .X509ExtensionID.authorityKeyIdentifier:
                    info.authorityKeyIdentifier = try AuthorityKeyIdentifier(ext).keyIdentifier.map(Array.init)
                case [2, 5, 29, 20]:  // cRLNumber, section 5.2.3
                    let n = try ArraySlice<UInt8>(derEncoded: ext.value)
                    guard let first = n.first, first & 0x80 == 0 else { throw CRLError.malformed("negative CRL number") }
                    info.crlNumber = CRLNumber(integerBytes: n)
                case [2, 5, 29, 27]:  // deltaCRLIndicator, section 5.2.4 (always critical)
                    let n = try ArraySlice<UInt8>(derEncoded: ext.value)
                    guard let first = n.first, first & 0x80 == 0 else { throw CRLError.malformed("negative BaseCRLNumber") }
                    info.baseCRLNumber = CRLNumber(integerBytes: n)
                default:
                    // Section 5.2: a CRL with a critical extension the application cannot process must
                    // not be used (issuingDistributionPoint falls here: MynaGate does not do partitioned CRLs;
                    // whether J-LIS's are partitioned is unknown, docs/CARD.md "Certificates").
                    if ext.critical { throw CRLError.unsupportedCriticalExtension(ext.oid.description) }
                }
            }
        } catch let e as CRLError {
            throw e
        } catch {
            throw .malformed("crlExtensions: \(error)")
        }
    }

    static func oidString(_ bytes: UnsafeRawBufferPointer) -> String {
        bytes.count < 128 ? ((try? ASN1ObjectIdentifier(derEncoded: ([0x06, UInt8(bytes.count)] + Array(bytes))[...]).description) ?? "(invalid OID)") : "(invalid OID)"
    }
}
