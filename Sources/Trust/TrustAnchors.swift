import Foundation
import SwiftASN1
import X509

/// What a certificate is trusted for. JPKI runs two separate CAs (domain.md section 3), and a root that
/// is trusted for one purpose must never vouch for the other: a signing certificate is not a door key.
public enum TrustPurpose: String, Sendable, Hashable, Codable, CaseIterable {
    /// The user-authentication certificate (利用者証明用電子証明書): door access and log-in.
    case auth
    /// The signing certificate (署名用電子証明書).
    case sign

    /// The sub-directory of an anchors directory that holds this purpose's CA certificates.
    public var directoryName: String { rawValue }

    /// Words for people.
    public var englishName: String {
        switch self {
        case .auth: return "user authentication"
        case .sign: return "digital signature"
        }
    }
}

/// One configured root of trust and where it came from.
public struct TrustAnchor: Sendable, Hashable {
    /// The CA certificate.
    public var certificate: Certificate
    /// What it is trusted for.
    public var purpose: TrustPurpose
    /// The file it was read from, when it came from a file: shown by `trust status` so an operator can
    /// tell which file to replace.
    public var file: String?

    /// Makes an anchor.
    public init(certificate: Certificate, purpose: TrustPurpose, file: String? = nil) {
        self.certificate = certificate
        self.purpose = purpose
        self.file = file
    }
}

/// The trust anchors of one deployment, per purpose.
///
/// Anchors are configuration only: MynaGate ships no anchor and an empty value trusts nothing. An operator
/// points it at J-LIS's roots (obtained as a registered verifier, domain.md section 3); tests point it at
/// a test hierarchy.
///
/// Directory layouts that ``load(from:)`` accepts:
/// - `auth/` and `sign/` sub-directories, each holding PEM or DER CA certificates;
/// - a test hierarchy directory written by `mynagate pki init` (`auth-ca.pem`, `sign-ca.pem`; the
///   key files beside them are never read).
///
/// ``load(from:purpose:)`` reads a flat directory whose every certificate file is for one purpose.
public struct TrustAnchors: Sendable, Hashable {
    /// Every anchor, in the order read.
    public private(set) var all: [TrustAnchor]

    /// No anchors: trusts nothing.
    public init() { all = [] }

    /// Anchors given in code.
    public init(_ anchors: [TrustAnchor]) { all = anchors }

    /// The given certificates as anchors for `purpose`.
    public init(_ certificates: [Certificate], purpose: TrustPurpose) {
        all = certificates.map { TrustAnchor(certificate: $0, purpose: purpose) }
    }

    /// The anchors for `purpose`.
    public func anchors(for purpose: TrustPurpose) -> [TrustAnchor] {
        all.filter { $0.purpose == purpose }
    }

    /// The certificates trusted for `purpose`.
    public func certificates(for purpose: TrustPurpose) -> [Certificate] {
        anchors(for: purpose).map(\.certificate)
    }

    /// Whether nothing is trusted for `purpose`.
    public func isEmpty(for purpose: TrustPurpose) -> Bool { anchors(for: purpose).isEmpty }

    /// Adds the anchors of `other`.
    public mutating func merge(_ other: TrustAnchors) { all += other.all }

    /// File names of the test hierarchy layout (`TestJPKIHierarchy.FileName` in MynaCardSim; repeated here
    /// because Trust must not depend on the simulator).
    static let hierarchyFiles: [(name: String, purpose: TrustPurpose)] = [("auth-ca.pem", .auth), ("sign-ca.pem", .sign)]

    /// Extensions taken as certificate files in a directory.
    static let certificateExtensions: Set<String> = ["pem", "crt", "cer", "der"]

    /// Reads an anchors directory in one of the two per-purpose layouts (see the type's documentation).
    ///
    /// - Throws: ``TrustAnchorsError`` naming the directory or the file at fault; a directory holding no
    ///   anchor at all is an error, because a silent "trust nothing" is a misconfiguration that locks
    ///   every door.
    public static func load(from directory: URL) throws(TrustAnchorsError) -> TrustAnchors {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .notADirectory(directory.path)
        }
        var result = TrustAnchors()
        var sawLayout = false
        for purpose in TrustPurpose.allCases {
            let sub = directory.appendingPathComponent(purpose.directoryName)
            var subIsDirectory: ObjCBool = false
            if fm.fileExists(atPath: sub.path, isDirectory: &subIsDirectory), subIsDirectory.boolValue {
                sawLayout = true
                result.merge(try load(from: sub, purpose: purpose, allowEmpty: true))
            }
        }
        if !sawLayout {
            for (name, purpose) in hierarchyFiles {
                let file = directory.appendingPathComponent(name)
                if fm.fileExists(atPath: file.path) {
                    sawLayout = true
                    result.merge(TrustAnchors(try readFile(file, purpose: purpose)))
                }
            }
        }
        guard sawLayout else { throw .noLayout(directory.path) }
        guard !result.all.isEmpty else { throw .empty(directory.path) }
        return result
    }

    /// Reads every certificate file (`.pem`, `.crt`, `.cer`, `.der`) of a flat directory as anchors for
    /// `purpose`. Other files are ignored; a certificate file that does not parse is an error.
    public static func load(from directory: URL, purpose: TrustPurpose) throws(TrustAnchorsError) -> TrustAnchors {
        try load(from: directory, purpose: purpose, allowEmpty: false)
    }

    static func load(from directory: URL, purpose: TrustPurpose, allowEmpty: Bool) throws(TrustAnchorsError) -> TrustAnchors {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        } catch {
            throw .notADirectory(directory.path)
        }
        var anchors: [TrustAnchor] = []
        for name in names where certificateExtensions.contains((name as NSString).pathExtension.lowercased()) {
            anchors += try readFile(directory.appendingPathComponent(name), purpose: purpose)
        }
        guard allowEmpty || !anchors.isEmpty else { throw .empty(directory.path) }
        return TrustAnchors(anchors)
    }

    /// Reads one file: DER, or PEM with one or more `CERTIFICATE` blocks. Each must be a CA certificate
    /// (basicConstraints cA, RFC 5280 4.2.1.9): an end-entity certificate configured as an anchor is a
    /// mistake that would let it vouch for anything with its subject as issuer.
    static func readFile(_ url: URL, purpose: TrustPurpose) throws(TrustAnchorsError) -> [TrustAnchor] {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw .unreadable(url.path) }
        let certificates: [Certificate]
        do {
            certificates = try parseCertificates(Array(data))
        } catch {
            throw .notACertificate(url.path, String(describing: error))
        }
        guard !certificates.isEmpty else { throw .notACertificate(url.path, "no CERTIFICATE block") }
        for certificate in certificates {
            guard case .some(.isCertificateAuthority) = try? certificate.extensions.basicConstraints else {
                throw .notACA(url.path, certificate.subject.description)
            }
        }
        return certificates.map { TrustAnchor(certificate: $0, purpose: purpose, file: url.path) }
    }

    /// Certificates in PEM (any number of `CERTIFICATE` blocks; other blocks are skipped) or one DER.
    static func parseCertificates(_ bytes: [UInt8]) throws -> [Certificate] {
        if bytes.first == 0x30 { return [try Certificate(derEncoded: bytes)] }
        guard let text = String(bytes: bytes, encoding: .utf8) else { throw TrustAnchorsError.notPEM }
        let documents = try PEMDocument.parseMultiple(pemString: text)
        return try documents.filter { $0.discriminator == "CERTIFICATE" }.map { try Certificate(pemDocument: $0) }
    }
}

/// Why trust anchors could not be read. Each case names the path at fault.
public enum TrustAnchorsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The path is not a readable directory.
    case notADirectory(String)
    /// The directory has neither `auth/`/`sign/` nor the test hierarchy files.
    case noLayout(String)
    /// The directory holds no certificate.
    case empty(String)
    /// The file could not be read.
    case unreadable(String)
    /// The file is not a certificate in PEM or DER; the second value says what the parser said.
    case notACertificate(String, String)
    /// The file holds a certificate that is not a CA; the second value is its subject.
    case notACA(String, String)
    /// Bytes that are neither DER nor text.
    case notPEM

    public var description: String {
        switch self {
        case .notADirectory(let p): return "\(p): not a readable directory"
        case .noLayout(let p): return "\(p): expected auth/ and sign/ sub-directories, or auth-ca.pem and sign-ca.pem"
        case .empty(let p): return "\(p): no trust anchor found"
        case .unreadable(let p): return "\(p): cannot be read"
        case .notACertificate(let p, let why): return "\(p): not a PEM or DER certificate (\(why))"
        case .notACA(let p, let subject): return "\(p): \(subject) is not a CA certificate (basicConstraints cA is not set)"
        case .notPEM: return "neither DER nor PEM"
        }
    }
}
