import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RevocationIndex {
    /// Loads an index file with one `read(2)` and verifies both checksums and every table bound.
    ///
    /// - Throws: ``CRLError/corruptIndex(_:)`` for a file that is truncated, extended or altered — the
    ///   caller rebuilds it from its CRL (``RevocationIndexStore`` does); ``CRLError/io(_:)`` when unreadable.
    public static func load(path: String) throws(CRLError) -> RevocationIndex {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io("cannot stat \(path)") }
        let size = Int(st.st_size)
        let storage = IndexStorage(byteCount: size)
        var done = 0
        while done < size {
            let n = read(fd, storage.base + done, size - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .corruptIndex("\(path) ended after \(done) of \(size) bytes") }
            done += n
        }
        do {
            return try RevocationIndex(storage: storage, verifyBody: true)
        } catch {
            if case .corruptIndex(let why) = error { throw .corruptIndex("\(path): \(why)") }
            throw error
        }
    }

    /// Writes the index to `path` atomically: a temporary file in the same directory, `fsync`, then
    /// `rename`, so a reader sees the old index or the new one, never half of one.
    public func write(to path: String) throws(CRLError) {
        let temp = path + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .io("cannot create \(temp): \(String(cString: strerror(errno)))") }
        var done = 0
        while done < storage.count {
            let n = posixWrite(fd, storage.base + done, storage.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                close(fd); unlink(temp)
                throw .io("cannot write \(temp): \(String(cString: strerror(errno)))")
            }
            done += n
        }
        fsync(fd)
        close(fd)
        guard rename(temp, path) == 0 else {
            unlink(temp)
            throw .io("cannot rename \(temp) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The index bytes (what ``write(to:)`` writes).
    public var fileBytes: [UInt8] { Array(UnsafeRawBufferPointer(start: storage.base, count: storage.count)) }

    /// An index from file bytes held in memory, verified as ``load(path:)`` does.
    public init(fileBytes: [UInt8]) throws(CRLError) {
        let storage = IndexStorage(byteCount: fileBytes.count)
        fileBytes.withUnsafeBytes { if !$0.isEmpty { storage.base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        try self.init(storage: storage, verifyBody: true)
    }
}

extension RevocationIndex {
    /// Builds an index by streaming a complete CRL: entries go straight from the mapping into the
    /// builder, and the signature is verified in the same pass.
    ///
    /// - Throws: ``CRLError`` for a malformed CRL, a bad signature, or a delta CRL (use ``applying(delta:issuer:progress:)``).
    public static func build(from crl: CRLReader, issuer: CRLIssuerKey?, progress: ((Int, Int) -> Void)? = nil) throws(CRLError) -> RevocationIndex {
        guard !crl.info.isDelta else { throw .deltaMismatch("this is a delta CRL; merge it onto an index of its base CRL") }
        var builder = RevocationIndexBuilder()
        let summary: CRLWalkSummary
        do {
            summary = try crl.forEachEntry(verifyingWith: issuer, progress: progress) { try builder.add($0) }
        } catch let e as CRLError { throw e } catch { throw .malformed("\(error)") }
        return builder.finish(header: Header(
            issuerDER: crl.info.issuerDER, crlNumber: crl.info.crlNumber, thisUpdate: crl.info.thisUpdate,
            nextUpdate: crl.info.nextUpdate, authorityKeyIdentifier: crl.info.authorityKeyIdentifier,
            signatureVerified: summary.signatureVerified, issuerKeyDigest: summary.signatureVerified ? issuer?.keyDigest : nil))
    }

    /// This index (built from a complete CRL) with a delta CRL merged on top (RFC 5280 section 5.2.4):
    /// entries of the delta replace or add to the base, and `removeFromCRL` entries (section 5.3.1)
    /// take a serial off. The result carries the delta's dates.
    ///
    /// Deltas are cumulative since their base, so always merge the newest delta onto the index of the
    /// complete CRL, not onto an index that already has an older delta.
    ///
    /// - Throws: ``CRLError/deltaMismatch(_:)`` when the delta names another issuer, its BaseCRLNumber
    ///   is above this index's CRL number, or it is not newer than the delta already merged.
    public func applying(delta crl: CRLReader, issuer: CRLIssuerKey?, progress: ((Int, Int) -> Void)? = nil) throws(CRLError) -> RevocationIndex {
        guard let base = crl.info.baseCRLNumber else { throw .deltaMismatch("not a delta CRL (no deltaCRLIndicator)") }
        guard crl.info.issuerDER == header.issuerDER else { throw .deltaMismatch("the delta CRL has another issuer") }
        guard let number = header.crlNumber else { throw .deltaMismatch("the index has no CRL number") }
        // A delta answers for the key that signed its base: another generation's delta must not be
        // merged onto it because the two share a name.
        if let recorded = header.issuerKeyDigest, let issuer, issuer.keyDigest != recorded {
            throw .deltaMismatch("the delta CRL is verified with another key than its complete CRL")
        }
        guard number >= base else { throw .deltaMismatch("BaseCRLNumber \(base) is newer than the index's CRL \(number)") }
        if let deltaNumber = crl.info.crlNumber {
            guard deltaNumber > number else { throw .deltaMismatch("delta CRL number \(deltaNumber) is not after \(number)") }
            if let merged = header.deltaCRLNumber, deltaNumber <= merged {
                throw .deltaMismatch("delta CRL \(deltaNumber) is not newer than the merged delta \(merged)")
            }
        }
        var changes: [[UInt8]: CRLEntry] = [:]
        let summary: CRLWalkSummary
        do {
            summary = try crl.forEachEntry(verifyingWith: issuer, progress: progress) { changes[Array($0.serial)] = $0.entry }
        } catch let e as CRLError { throw e } catch { throw .malformed("\(error)") }
        var builder = RevocationIndexBuilder()
        do {
            try forEach { view in
                if changes[Array(view.serial)] == nil { try builder.add(view) }
            }
            for entry in changes.values where entry.reason != .removeFromCRL { try builder.add(entry) }
        } catch let e as CRLError { throw e } catch { throw .malformed("\(error)") }
        var h = header
        h.deltaCRLNumber = crl.info.crlNumber
        h.thisUpdateSeconds = Int64(crl.info.thisUpdate.timeIntervalSince1970.rounded(.down))
        h.nextUpdateSeconds = crl.info.nextUpdate.map { Int64($0.timeIntervalSince1970.rounded(.down)) }
        h.signatureVerified = header.signatureVerified && summary.signatureVerified
        // A version-1 base (no key recorded) stays keyed by name until its complete CRL is imported again.
        if !h.signatureVerified { h.issuerKeyDigest = nil }
        return builder.finish(header: h)
    }
}
