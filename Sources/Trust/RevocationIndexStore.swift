import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SwiftASN1
import X509

/// A directory of revocation indexes, one per CRL issuer key, that knows how to rebuild each from its CRLs.
///
/// For a CRL whose signature was verified with an issuer key, the stem `H` is the SHA-256 (first 16
/// bytes, hex) of the issuer's Name followed by the key's digest (``CRLIssuerKey/keyDigest``): the
/// generations of a J-LIS root share one Name (docs/CARD.md "Certificates"), and the key is what tells
/// them apart. An unverified CRL's stem is its Name followed by its authority key identifier, if any
/// (the stems of earlier versions, still read). The directory holds:
/// - `H.base.mgidx`: the index of the newest complete CRL;
/// - `H.mgidx`: what lookups use, the base with the newest delta CRL merged (or a copy of the base);
/// - `H.sources`: the CRL files they came from (`base PATH`, `delta PATH`), for rebuilding;
/// - `H.issuer.der`: the issuer certificate the signatures were checked with, when one was given.
///
/// A corrupt index file is never trusted: loading detects it (size, checksums, bounds) and rebuilds it
/// from the recorded CRLs, verifying their signatures again.
public struct RevocationIndexStore: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// What an import did.
    public struct ImportResult: Sendable {
        public var index: RevocationIndex
        public var info: CRLInfo
        /// Entries in the CRL file itself.
        public var crlEntries: Int
        public var crlBytes: Int
        public var seconds: Double
        public var indexPath: String
    }

    /// The file stem for an issuer Name alone: an unverified CRL without an authority key identifier,
    /// and every index written before the key identifier was part of the stem.
    public static func stem(issuerDER: [UInt8]) -> String {
        SHA256.hash(data: issuerDER).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// The file stem for an issuer Name and the CRL's authority key identifier (an unverified CRL, and
    /// version-1 indexes).
    public static func stem(issuerDER: [UInt8], authorityKeyIdentifier: [UInt8]?) -> String {
        guard let aki = authorityKeyIdentifier else { return stem(issuerDER: issuerDER) }
        return SHA256.hash(data: issuerDER + aki).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// The file stem for an issuer Name and the digest of the key that verified the CRL.
    public static func stem(issuerDER: [UInt8], issuerKeyDigest: [UInt8]) -> String {
        SHA256.hash(data: issuerDER + Array("key".utf8) + issuerKeyDigest).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    static let suffixes = [".mgidx", ".base.mgidx", ".sources", ".issuer.der"]

    /// Takes over the index of this issuer key written under an older stem (Name only, or Name and
    /// authority key identifier), so a store from an earlier version keeps one index per key.
    ///
    /// An old index is another key's when its recorded key, or the key of its recorded issuer
    /// certificate, differs; it is left alone. Of the same key, it is adopted only when `stem` holds no
    /// index or holds an older CRL (``RevocationIndex/Header/isNewer(than:)``); otherwise its files are
    /// deleted, so it cannot answer beside the newer one. Adopting copies every file under a temporary
    /// name first and then renames each into place.
    func adoptLegacy(issuerDER: [UInt8], authorityKeyIdentifier: [UInt8]?, keyDigest: [UInt8], into stem: String) throws {
        let fm = FileManager.default
        let olds = Set([Self.stem(issuerDER: issuerDER), Self.stem(issuerDER: issuerDER, authorityKeyIdentifier: authorityKeyIdentifier)])
        for legacy in olds.sorted() where legacy != stem && fm.fileExists(atPath: path(legacy, ".mgidx")) {
            let header = try load(stem: legacy).index.header
            // An unverified import lives under the same old-style stem: it is no one's to take over.
            guard header.signatureVerified, header.authorityKeyIdentifier == authorityKeyIdentifier else { continue }
            if let recorded = header.issuerKeyDigest, recorded != keyDigest { continue }
            if let issuer = try recordedIssuer(stem: legacy), issuer.keyDigest != keyDigest { continue }
            let current = fm.fileExists(atPath: path(stem, ".mgidx")) ? try load(stem: stem).index.header : nil
            if current.map({ header.isNewer(than: $0) }) ?? true {
                let present = Self.suffixes.filter { fm.fileExists(atPath: path(legacy, $0)) }
                for suffix in present {
                    let staged = path(stem, suffix) + ".adopting"
                    if fm.fileExists(atPath: staged) { try fm.removeItem(atPath: staged) }
                    try fm.copyItem(atPath: path(legacy, suffix), toPath: staged)
                }
                // The old index is newer: none of the current stem's files may stay beside it.
                for suffix in Self.suffixes where !present.contains(suffix) && fm.fileExists(atPath: path(stem, suffix)) {
                    try fm.removeItem(atPath: path(stem, suffix))
                }
                for suffix in present {
                    guard rename(path(stem, suffix) + ".adopting", path(stem, suffix)) == 0 else {
                        throw CRLError.io("cannot rename the adopted \(legacy)\(suffix): \(String(cString: strerror(errno)))")
                    }
                }
            }
            for suffix in Self.suffixes where fm.fileExists(atPath: path(legacy, suffix)) { try fm.removeItem(atPath: path(legacy, suffix)) }
        }
    }

    func path(_ stem: String, _ suffix: String) -> String { directory.appendingPathComponent(stem + suffix).path }

    /// Imports a complete or delta CRL. A complete CRL replaces the issuer's index; a delta is merged
    /// onto the index of the complete CRL it is based on.
    public func importCRL(at crlPath: String, issuer: Certificate?, progress: ((Int, Int) -> Void)? = nil) throws -> ImportResult {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let start = DispatchTime.now().uptimeNanoseconds
        let reader = try CRLReader(path: crlPath)
        let key = try issuer.map { cert throws(CRLError) in try CRLIssuerKey(certificate: cert) }
        let stem: String
        if let key {
            // Checked before any file is touched (the walk checks it again): a CRL naming another key
            // than the issuer's is another generation's.
            if let aki = reader.info.authorityKeyIdentifier, let ski = key.subjectKeyIdentifier, aki != ski {
                throw CRLError.wrongIssuer("the CRL's authority key identifier names another key than the certificate's subject key identifier")
            }
            stem = Self.stem(issuerDER: reader.info.issuerDER, issuerKeyDigest: key.keyDigest)
            try adoptLegacy(issuerDER: reader.info.issuerDER, authorityKeyIdentifier: reader.info.authorityKeyIdentifier,
                            keyDigest: key.keyDigest, into: stem)
        } else {
            stem = Self.stem(issuerDER: reader.info.issuerDER, authorityKeyIdentifier: reader.info.authorityKeyIdentifier)
        }
        let absolute = URL(fileURLWithPath: crlPath).standardizedFileURL.path
        var entries = 0
        let counting: (Int, Int) -> Void = { bytes, n in entries = n; progress?(bytes, n) }
        let index: RevocationIndex
        var sources = (try? String(contentsOfFile: path(stem, ".sources"), encoding: .utf8)) ?? ""
        if reader.info.isDelta {
            let base = try loadBase(stem: stem)
            index = try base.applying(delta: reader, issuer: key, progress: counting)
            sources = sources.split(separator: "\n").filter { !$0.hasPrefix("delta ") }.joined(separator: "\n") + "\ndelta \(absolute)\n"
        } else {
            index = try RevocationIndex.build(from: reader, issuer: key, progress: counting)
            try index.write(to: path(stem, ".base.mgidx"))
            sources = "base \(absolute)\n"
        }
        try index.write(to: path(stem, ".mgidx"))
        if let issuer {
            var s = DER.Serializer()
            try s.serialize(issuer)
            try Data(s.serializedBytes).write(to: URL(fileURLWithPath: path(stem, ".issuer.der")), options: .atomic)
        }
        try Data(sources.utf8).write(to: URL(fileURLWithPath: path(stem, ".sources")), options: .atomic)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return ImportResult(index: index, info: reader.info, crlEntries: entries, crlBytes: reader.byteCount,
                            seconds: seconds, indexPath: path(stem, ".mgidx"))
    }

    /// The stems of all indexes in the directory.
    public func stems() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".mgidx") && !$0.hasSuffix(".base.mgidx") }.map { String($0.dropLast(6)) }.sorted()
    }

    /// Loads the index for `stem`, rebuilding it from its CRLs when the file is missing or corrupt.
    /// - Returns: the index and whether it had to be rebuilt.
    public func load(stem: String) throws -> (index: RevocationIndex, rebuilt: Bool) {
        do {
            return (try RevocationIndex.load(path: path(stem, ".mgidx")), false)
        } catch CRLError.corruptIndex, CRLError.io {
            return (try rebuild(stem: stem), true)
        }
    }

    /// Every index in the directory (rebuilding corrupt ones); indexes that cannot be rebuilt are
    /// reported in `failures` and left out.
    public func loadAll() -> (indexes: [RevocationIndex], rebuilt: [String], failures: [String: String]) {
        var out: [RevocationIndex] = [], rebuilt: [String] = [], failures: [String: String] = [:]
        for stem in stems() {
            do {
                let (index, wasRebuilt) = try load(stem: stem)
                out.append(index)
                if wasRebuilt { rebuilt.append(stem) }
            } catch {
                failures[stem] = "\(error)"
            }
        }
        return (out, rebuilt, failures)
    }

    func loadBase(stem: String) throws -> RevocationIndex {
        do {
            return try RevocationIndex.load(path: path(stem, ".base.mgidx"))
        } catch CRLError.corruptIndex {
            return try rebuildBase(stem: stem)
        } catch CRLError.io {
            throw CRLError.deltaMismatch("no complete CRL imported for this issuer yet")
        }
    }

    func recordedSources(stem: String) -> (base: String?, delta: String?) {
        let text = (try? String(contentsOfFile: path(stem, ".sources"), encoding: .utf8)) ?? ""
        var base: String?, delta: String?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("base ") { base = String(line.dropFirst(5)) }
            if line.hasPrefix("delta ") { delta = String(line.dropFirst(6)) }
        }
        return (base, delta)
    }

    func recordedIssuer(stem: String) throws -> CRLIssuerKey? {
        guard let data = FileManager.default.contents(atPath: path(stem, ".issuer.der")) else { return nil }
        return try CRLIssuerKey(certificate: Certificate(derEncoded: Array(data)))
    }

    func rebuildBase(stem: String) throws -> RevocationIndex {
        guard let base = recordedSources(stem: stem).base else {
            throw CRLError.corruptIndex("index \(stem) is corrupt and no CRL is recorded to rebuild it from")
        }
        let index = try RevocationIndex.build(from: CRLReader(path: base), issuer: recordedIssuer(stem: stem))
        try index.write(to: path(stem, ".base.mgidx"))
        return index
    }

    /// Rebuilds `H.mgidx` (and `H.base.mgidx` if needed) from the recorded CRL files.
    public func rebuild(stem: String) throws -> RevocationIndex {
        var index = try loadBase(stem: stem)
        if let delta = recordedSources(stem: stem).delta {
            index = try index.applying(delta: CRLReader(path: delta), issuer: recordedIssuer(stem: stem))
        }
        try index.write(to: path(stem, ".mgidx"))
        return index
    }
}
