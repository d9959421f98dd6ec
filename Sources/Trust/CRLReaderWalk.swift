/// How a walk over a CRL's entries ended.
public struct CRLWalkSummary: Sendable, Hashable {
    /// Entries seen.
    public var entryCount: Int
    /// True when the signature was checked and verified; false when no issuer key was given.
    public var signatureVerified: Bool
}

extension CRLReader {
    /// How far ahead of the entry walk the tbsCertList hash runs: small enough that the walk reads what
    /// the hash just pulled into the cache, large enough to keep the hash call overhead negligible.
    static let hashWindow = 1 << 20
    /// How often walked pages are handed back to the kernel.
    static let releaseStride = 32 << 20

    /// Walks revokedCertificates (RFC 5280 section 5.1.2.6) entry by entry, calling `body` for each,
    /// and verifies the CRL signature with `issuer` over the exact tbsCertList bytes in the same pass.
    ///
    /// The signature is only known at the end: `body` sees entries before it, so a caller building
    /// something from them must discard it when this throws.
    ///
    /// - Parameters:
    ///   - issuer: the issuer's key; nil skips the signature (the summary says so).
    ///   - progress: called every few megabytes with the bytes walked and the entries seen.
    /// - Throws: ``CRLError`` for malformed entries, an issuer whose name differs from the CRL's, or a
    ///   signature that does not verify.
    @discardableResult
    public func forEachEntry(
        verifyingWith issuer: CRLIssuerKey?,
        progress: ((Int, Int) -> Void)? = nil,
        _ body: (CRLEntryView) throws -> Void
    ) throws -> CRLWalkSummary {
        try forEachEntry(verifyingWith: issuer, progress: progress, releaseStride: Self.releaseStride, body)
    }

    /// ``forEachEntry(verifyingWith:progress:_:)`` with the page-release stride chosen (tests use a
    /// small one to see memory stay flat on a small file).
    func forEachEntry(
        verifyingWith issuer: CRLIssuerKey?,
        progress: ((Int, Int) -> Void)?,
        releaseStride: Int,
        _ body: (CRLEntryView) throws -> Void
    ) throws -> CRLWalkSummary {
        if let issuer, issuer.subject != info.issuer {
            throw CRLError.wrongIssuer("the CRL names \(info.issuer), the certificate is \(issuer.subject)")
        }
        // The authority key identifier names the key that signed the CRL (RFC 5280 5.2.1): a CRL naming
        // another key than this certificate's is another generation's, whatever the signature says.
        if let issuer, let aki = info.authorityKeyIdentifier, let ski = issuer.subjectKeyIdentifier, aki != ski {
            throw CRLError.wrongIssuer("the CRL's authority key identifier names another key than the certificate's subject key identifier")
        }
        var hasher = issuer.map { _ in TBSHasher(info.signatureAlgorithm) }
        var hashed = tbsRange.lowerBound
        let base = bytes.base
        func hash(upTo target: Int) {
            guard hasher != nil else { return }
            while hashed < target {
                let next = min(tbsRange.upperBound, max(target, hashed + Self.hashWindow))
                hasher!.update(UnsafeRawBufferPointer(start: base + hashed, count: next - hashed))
                hashed = next
            }
        }
        var count = 0
        if let revokedContent {
            var list = DERScanner(base: base, start: revokedContent.lowerBound, end: revokedContent.upperBound)
            var nextRelease = revokedContent.lowerBound + releaseStride
            var nextProgress = revokedContent.lowerBound + (4 << 20)
            while !list.isAtEnd {
                let element = try list.read(0x30, "revokedCertificates entry")
                if element.contentEnd > hashed { hash(upTo: element.contentEnd) }
                try body(Self.entry(list, element))
                count += 1
                if element.contentEnd >= nextRelease {
                    bytes.release(before: element.headerStart)
                    nextRelease = element.contentEnd + releaseStride
                }
                if element.contentEnd >= nextProgress {
                    progress?(element.contentEnd, count)
                    nextProgress = element.contentEnd + (4 << 20)
                }
            }
        }
        hash(upTo: tbsRange.upperBound)
        progress?(bytes.count, count)
        var verified = false
        if let issuer, let hasher {
            let sig = UnsafeRawBufferPointer(start: base + signature.lowerBound, count: signature.count)
            guard issuer.verifies(sig, digest: hasher, algorithm: info.signatureAlgorithm) else { throw CRLError.badSignature }
            verified = true
        }
        return CRLWalkSummary(entryCount: count, signatureVerified: verified)
    }

    /// All entries as values: for small CRLs and tests. Big CRLs go through the streaming walk.
    public func entries(verifyingWith issuer: CRLIssuerKey?) throws -> [CRLEntry] {
        var out: [CRLEntry] = []
        try forEachEntry(verifyingWith: issuer) { out.append($0.entry) }
        return out
    }

    /// Parses one revokedCertificates entry (RFC 5280 sections 5.1.2.6, 5.3.1, 5.3.2, 5.3.3).
    @inline(__always)
    static func entry(_ list: DERScanner, _ element: DERScanner.Element) throws(CRLError) -> CRLEntryView {
        var s = list.inside(element)
        let serial = try s.read(0x02, "userCertificate")
        // RFC 5280 section 4.1.2.2 caps serials at 20 octets (21 with the sign byte); 64 leaves room
        // for non-conforming CAs without letting a hostile CRL make huge index records.
        guard serial.contentLength >= 1 else { throw .malformed("empty serial number") }
        guard serial.contentLength <= 64 else { throw .outOfRange("serial number longer than 64 bytes") }
        let time = try s.read("revocationDate")
        let revoked = try DERTime.seconds(tag: time.tag, s.content(time))
        var reason: CRLReason?
        var invalidity: Int64?
        if !s.isAtEnd {
            let exts = try s.read(0x30, "crlEntryExtensions")
            guard s.isAtEnd else { throw .malformed("extra fields in a CRL entry") }
            var e = s.inside(exts)
            guard !e.isAtEnd else { throw .malformed("empty crlEntryExtensions") }
            while !e.isAtEnd {
                let ext = try e.read(0x30, "Extension")
                var x = e.inside(ext)
                let oid = try x.read(0x06, "extnID")
                var critical = false
                if x.peekTag() == 0x01 {
                    let b = try x.read("critical")
                    critical = b.contentLength == 1 && x.content(b)[0] == 0xFF
                }
                let value = try x.read(0x04, "extnValue")
                guard x.isAtEnd else { throw .malformed("extra fields in an entry extension") }
                let o = x.content(oid)
                // id-ce 2.5.29.x encodes as 55 1D x.
                let ceArc: UInt8? = o.count == 3 && o[0] == 0x55 && o[1] == 0x1D ? o[2] : nil
                var v = x.inside(value)
                switch ceArc {
                case 21:  // reasonCode: ENUMERATED (section 5.3.1)
                    let en = try v.read(0x0A, "reasonCode")
                    guard v.isAtEnd, en.contentLength == 1, let r = CRLReason(rawValue: Int(v.content(en)[0])) else {
                        throw .malformed("invalid reasonCode")
                    }
                    reason = r
                case 24:  // invalidityDate: GeneralizedTime (section 5.3.2)
                    let g = try v.read(DERTime.generalizedTimeTag, "invalidityDate")
                    guard v.isAtEnd else { throw .malformed("invalid invalidityDate") }
                    invalidity = try DERTime.seconds(tag: g.tag, v.content(g))
                case 29:  // certificateIssuer: an indirect CRL (section 5.3.3)
                    throw .unsupportedCriticalExtension("certificateIssuer (indirect CRLs are not supported)")
                default:
                    if critical { throw .unsupportedCriticalExtension("entry extension \(oidString(o))") }
                }
            }
        }
        return CRLEntryView(serial: s.content(serial), revocationSeconds: revoked, reason: reason, invaliditySeconds: invalidity)
    }
}
