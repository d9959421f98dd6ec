import Crypto
import Foundation
import SwiftASN1
import X509

// The OCSP messages of RFC 6960 section 4, in DER through swift-asn1.
//
// swift-certificates 1.21 has these types (OCSPRequest, BasicOCSPResponse, …) but keeps them internal:
// only its OCSPVerifierPolicy is public, and that policy answers pass/fail with free text, needs the
// leaf certificate (RevocationChecker gets a serial), and cannot report a revocation's reason and time.
// So Trust encodes the few structures it needs here, following the RFC's ASN.1 module (Appendix B.1,
// EXPLICIT TAGS).

/// The object identifiers OCSP uses.
enum OCSPOID {
    /// id-pkix-ocsp-basic (RFC 6960 4.2.1).
    static let basicResponse: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 1]
    /// id-pkix-ocsp-nonce (RFC 6960 4.4.1, RFC 8954).
    static let nonce: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 2]
    /// id-kp-OCSPSigning (RFC 6960 4.2.2.2).
    static let ocspSigning: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 3, 9]
    static let sha1: ASN1ObjectIdentifier = [1, 3, 14, 3, 2, 26]
    static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]
    static let sha256WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 11]
    static let sha384WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 12]
    static let sha512WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 13]
    static let ecdsaSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]
    static let ecdsaSHA384: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 3]

    static func signatureAlgorithm(_ oid: ASN1ObjectIdentifier) -> Certificate.SignatureAlgorithm? {
        switch oid {
        case sha256WithRSA: return .sha256WithRSAEncryption
        case sha384WithRSA: return .sha384WithRSAEncryption
        case sha512WithRSA: return .sha512WithRSAEncryption
        case ecdsaSHA256: return .ecdsaWithSHA256
        case ecdsaSHA384: return .ecdsaWithSHA384
        default: return nil
        }
    }

    static func oid(of algorithm: Certificate.SignatureAlgorithm) -> ASN1ObjectIdentifier? {
        switch algorithm {
        case .sha256WithRSAEncryption: return sha256WithRSA
        case .sha384WithRSAEncryption: return sha384WithRSA
        case .sha512WithRSAEncryption: return sha512WithRSA
        case .ecdsaWithSHA256: return ecdsaSHA256
        case .ecdsaWithSHA384: return ecdsaSHA384
        default: return nil
        }
    }
}

/// The hash that names a certificate in OCSP (CertID.hashAlgorithm, RFC 6960 4.1.1).
public enum OCSPHashAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// SHA-1: what RFC 5019 responders are required to support; it only names the issuer here, it signs
    /// nothing.
    case sha1
    /// SHA-256.
    case sha256

    var oid: ASN1ObjectIdentifier { self == .sha1 ? OCSPOID.sha1 : OCSPOID.sha256 }

    init?(oid: ASN1ObjectIdentifier) {
        switch oid {
        case OCSPOID.sha1: self = .sha1
        case OCSPOID.sha256: self = .sha256
        default: return nil
        }
    }

    func hash(_ bytes: some DataProtocol) -> [UInt8] {
        switch self {
        case .sha1: return Array(Insecure.SHA1.hash(data: bytes))
        case .sha256: return Array(SHA256.hash(data: bytes))
        }
    }
}

/// `CertID ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
/// issuerKeyHash OCTET STRING, serialNumber CertificateSerialNumber }` (RFC 6960 4.1.1).
struct OCSPCertificateID: Hashable, Sendable, DERParseable, DERSerializable {
    var hashAlgorithm: OCSPHashAlgorithm
    var issuerNameHash: [UInt8]
    var issuerKeyHash: [UInt8]
    var serial: [UInt8]

    /// The name hash is over the DER of the issuer's subject; the key hash over the issuer's
    /// subjectPublicKey BIT STRING value (RFC 6960 4.1.1).
    init(serial: Certificate.SerialNumber, issuer: Certificate, hashAlgorithm: OCSPHashAlgorithm) throws {
        var s = DER.Serializer()
        try s.serialize(issuer.subject)
        self.hashAlgorithm = hashAlgorithm
        self.issuerNameHash = hashAlgorithm.hash(s.serializedBytes)
        self.issuerKeyHash = hashAlgorithm.hash(issuer.publicKey.subjectPublicKeyInfoBytes)
        self.serial = Array(serial.bytes)
    }

    init(derEncoded node: ASN1Node) throws {
        self = try DER.sequence(node, identifier: .sequence) { nodes in
            let algorithm = try DER.sequence(nodes.next() ?? { throw OCSPError.malformed("CertID") }(), identifier: .sequence) { inner in
                let oid = try ASN1ObjectIdentifier(derEncoded: &inner)
                while inner.next() != nil {}   // NULL or absent parameters
                return oid
            }
            guard let hash = OCSPHashAlgorithm(oid: algorithm) else { throw OCSPError.malformed("CertID hash \(algorithm)") }
            let name = try ASN1OctetString(derEncoded: &nodes)
            let key = try ASN1OctetString(derEncoded: &nodes)
            let serial = try ArraySlice<UInt8>(derEncoded: &nodes)
            return OCSPCertificateID(hashAlgorithm: hash, issuerNameHash: Array(name.bytes), issuerKeyHash: Array(key.bytes), serial: Array(serial))
        }
    }

    init(hashAlgorithm: OCSPHashAlgorithm, issuerNameHash: [UInt8], issuerKeyHash: [UInt8], serial: [UInt8]) {
        self.hashAlgorithm = hashAlgorithm
        self.issuerNameHash = issuerNameHash
        self.issuerKeyHash = issuerKeyHash
        self.serial = serial
    }

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { s in
            try s.appendConstructedNode(identifier: .sequence) { s in
                try s.serialize(hashAlgorithm.oid)
                try s.serialize(ASN1Null())
            }
            try s.serialize(ASN1OctetString(contentBytes: issuerNameHash[...]))
            try s.serialize(ASN1OctetString(contentBytes: issuerKeyHash[...]))
            try s.serialize(serial[...])
        }
    }
}

/// The nonce extension (RFC 6960 4.4.1; RFC 8954 2.1: `Nonce ::= OCTET STRING (SIZE(1..32))` inside the
/// extension's OCTET STRING).
enum OCSPNonceExtension {
    /// `Extensions ::= SEQUENCE OF Extension` holding the nonce (RFC 5280 4.1).
    static func serialize(_ nonce: [UInt8], into s: inout DER.Serializer) throws {
        var inner = DER.Serializer()
        try inner.serialize(ASN1OctetString(contentBytes: nonce[...]))
        try s.appendConstructedNode(identifier: .sequence) { s in
            try s.appendConstructedNode(identifier: .sequence) { s in
                try s.serialize(OCSPOID.nonce)
                try s.serialize(ASN1OctetString(contentBytes: inner.serializedBytes[...]))
            }
        }
    }

    /// The nonce in an `Extensions` node, if any.
    static func find(in extensions: ASN1Node) throws -> [UInt8]? {
        var found: [UInt8]?
        try DER.sequence(extensions, identifier: .sequence) { nodes in
            while let ext = nodes.next() {
                try DER.sequence(ext, identifier: .sequence) { fields in
                    let oid = try ASN1ObjectIdentifier(derEncoded: &fields)
                    var next = fields.next()
                    if let n = next, n.identifier == .boolean { next = fields.next() }
                    guard let valueNode = next else { throw OCSPError.malformed("extension without value") }
                    let value = try ASN1OctetString(derEncoded: valueNode)
                    if oid == OCSPOID.nonce {
                        // Some responders put the nonce bytes directly in extnValue (pre-RFC 8954 form).
                        if let inner = try? ASN1OctetString(derEncoded: value.bytes) { found = Array(inner.bytes) }
                        else { found = Array(value.bytes) }
                    }
                }
            }
        }
        return found
    }
}

/// An OCSP request for one certificate (RFC 6960 4.1.1), unsigned, with an optional nonce.
struct OCSPRequestMessage: Sendable, Hashable {
    var certificateID: OCSPCertificateID
    var nonce: [UInt8]?

    func derEncoded() throws -> [UInt8] {
        var s = DER.Serializer()
        try s.appendConstructedNode(identifier: .sequence) { s in           // OCSPRequest
            try s.appendConstructedNode(identifier: .sequence) { s in       // TBSRequest (version v1 = DEFAULT, omitted)
                try s.appendConstructedNode(identifier: .sequence) { s in   // requestList
                    try s.appendConstructedNode(identifier: .sequence) { s in   // Request
                        try s.serialize(certificateID)
                    }
                }
                if let nonce {
                    try s.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific)) { s in
                        try OCSPNonceExtension.serialize(nonce, into: &s)
                    }
                }
            }
        }
        return s.serializedBytes
    }

    init(certificateID: OCSPCertificateID, nonce: [UInt8]?) {
        self.certificateID = certificateID
        self.nonce = nonce
    }

    /// Parses a request (the responder side): the first Request's CertID and the nonce.
    init(derEncoded bytes: [UInt8]) throws {
        let root = try DER.parse(bytes)
        var id: OCSPCertificateID?
        var nonce: [UInt8]?
        try DER.sequence(root, identifier: .sequence) { nodes in
            guard let tbs = nodes.next() else { throw OCSPError.malformed("empty OCSPRequest") }
            while nodes.next() != nil {}
            try DER.sequence(tbs, identifier: .sequence) { fields in
                while let field = fields.next() {
                    if field.identifier == .sequence {
                        try DER.sequence(field, identifier: .sequence) { requests in
                            guard let first = requests.next() else { throw OCSPError.malformed("empty requestList") }
                            id = try DER.sequence(first, identifier: .sequence) { r in
                                let cid = try OCSPCertificateID(derEncoded: &r)
                                while r.next() != nil {}
                                return cid
                            }
                            while requests.next() != nil {}
                        }
                    } else if field.identifier == ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific) {
                        guard case .constructed(let children) = field.content, let ext = children.first(where: { _ in true }) else {
                            throw OCSPError.malformed("requestExtensions")
                        }
                        nonce = try OCSPNonceExtension.find(in: ext)
                    }
                }
            }
        }
        guard let id else { throw OCSPError.malformed("no Request") }
        self.certificateID = id
        self.nonce = nonce
    }
}

/// What a SingleResponse says (RFC 6960 4.2.1 CertStatus).
public enum OCSPCertificateStatus: Sendable, Hashable {
    /// `good`: not revoked (as far as the responder knows).
    case good
    /// `revoked` at `time`, with the CRLReason if given.
    case revoked(time: Date, reason: CRLReason?)
    /// `unknown`: the responder does not know the certificate.
    case unknown
}

/// One SingleResponse.
struct OCSPSingleResponseMessage: Sendable, Hashable {
    var certificateID: OCSPCertificateID
    var status: OCSPCertificateStatus
    var thisUpdate: Date
    var nextUpdate: Date?
}

/// A decoded OCSPResponse (RFC 6960 4.2.1) with what is needed to verify it.
struct OCSPResponseMessage: Sendable {
    /// OCSPResponseStatus; 0 is successful.
    var responseStatus: Int
    /// The DER of tbsResponseData: what the signature covers.
    var tbsResponseData: [UInt8] = []
    var responderByName: DistinguishedName?
    var responderKeyHash: [UInt8]?
    var producedAt: Date = .distantPast
    var responses: [OCSPSingleResponseMessage] = []
    var nonce: [UInt8]?
    var signatureAlgorithm: ASN1ObjectIdentifier = [0, 0]
    var signature: [UInt8] = []
    var certificates: [Certificate] = []

    static let responseStatusNames = [0: "successful", 1: "malformedRequest", 2: "internalError", 3: "tryLater",
                                      5: "sigRequired", 6: "unauthorized"]

    init(derEncoded bytes: [UInt8]) throws {
        let root = try DER.parse(bytes)
        var status = -1
        var basic: [UInt8]?
        try DER.sequence(root, identifier: .sequence) { nodes in
            status = try enumeratedValue(nodes.next() ?? { throw OCSPError.malformed("responseStatus") }())
            if let bytesNode = nodes.next() {
                guard bytesNode.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific),
                      case .constructed(let children) = bytesNode.content, let inner = children.first(where: { _ in true }) else {
                    throw OCSPError.malformed("responseBytes")
                }
                try DER.sequence(inner, identifier: .sequence) { rb in
                    let type = try ASN1ObjectIdentifier(derEncoded: &rb)
                    guard type == OCSPOID.basicResponse else { throw OCSPError.malformed("response type \(type) is not id-pkix-ocsp-basic") }
                    basic = Array(try ASN1OctetString(derEncoded: &rb).bytes)
                }
            }
        }
        responseStatus = status
        guard status == 0 else { return }
        guard let basic else { throw OCSPError.malformed("successful response without responseBytes") }
        try parseBasic(basic)
    }

    /// `BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm AlgorithmIdentifier,
    /// signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }`.
    mutating func parseBasic(_ bytes: [UInt8]) throws {
        let root = try DER.parse(bytes)
        try DER.sequence(root, identifier: .sequence) { nodes in
            guard let tbs = nodes.next() else { throw OCSPError.malformed("BasicOCSPResponse") }
            tbsResponseData = Array(tbs.encodedBytes)
            try parseResponseData(tbs)
            signatureAlgorithm = try DER.sequence(nodes.next() ?? { throw OCSPError.malformed("signatureAlgorithm") }(), identifier: .sequence) { a in
                let oid = try ASN1ObjectIdentifier(derEncoded: &a)
                while a.next() != nil {}
                return oid
            }
            signature = Array(try ASN1BitString(derEncoded: &nodes).bytes)
            if let certs = nodes.next(), case .constructed(let children) = certs.content, let seq = children.first(where: { _ in true }) {
                certificates = try DER.sequence(of: Certificate.self, identifier: .sequence, rootNode: seq)
            }
        }
    }

    /// `ResponseData ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, responderID ResponderID, producedAt,
    /// responses SEQUENCE OF SingleResponse, responseExtensions [1] EXPLICIT Extensions OPTIONAL }`.
    mutating func parseResponseData(_ node: ASN1Node) throws {
        try DER.sequence(node, identifier: .sequence) { nodes in
            var next = nodes.next()
            if let n = next, n.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) { next = nodes.next() }
            guard let responder = next, case .constructed(let rchildren) = responder.content,
                  let inner = rchildren.first(where: { _ in true }) else { throw OCSPError.malformed("responderID") }
            switch responder.identifier {
            case ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific): responderByName = try DistinguishedName(derEncoded: inner)
            case ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific): responderKeyHash = Array(try ASN1OctetString(derEncoded: inner).bytes)
            default: throw OCSPError.malformed("responderID")
            }
            producedAt = try GeneralizedTime(derEncoded: &nodes).date
            responses = try DER.sequence(nodes.next() ?? { throw OCSPError.malformed("responses") }(), identifier: .sequence) { list in
                var out: [OCSPSingleResponseMessage] = []
                while let single = list.next() { out.append(try Self.parseSingle(single)) }
                return out
            }
            if let ext = nodes.next() {
                guard ext.identifier == ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific),
                      case .constructed(let children) = ext.content, let seq = children.first(where: { _ in true }) else {
                    throw OCSPError.malformed("responseExtensions")
                }
                nonce = try OCSPNonceExtension.find(in: seq)
            }
        }
    }

    /// `SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate, nextUpdate [0] EXPLICIT OPTIONAL,
    /// singleExtensions [1] EXPLICIT OPTIONAL }`; `CertStatus ::= CHOICE { good [0] IMPLICIT NULL,
    /// revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL }`.
    static func parseSingle(_ node: ASN1Node) throws -> OCSPSingleResponseMessage {
        try DER.sequence(node, identifier: .sequence) { nodes in
            let id = try OCSPCertificateID(derEncoded: &nodes)
            guard let statusNode = nodes.next() else { throw OCSPError.malformed("certStatus") }
            let status: OCSPCertificateStatus
            switch statusNode.identifier {
            case ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific): status = .good
            case ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific): status = .unknown
            case ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific):
                status = try DER.sequence(statusNode, identifier: statusNode.identifier) { r in
                    let time = try GeneralizedTime(derEncoded: &r).date
                    var reason: CRLReason?
                    if let reasonNode = r.next(), case .constructed(let children) = reasonNode.content,
                       let e = children.first(where: { _ in true }) {
                        reason = CRLReason(rawValue: try enumeratedValue(e))
                    }
                    return .revoked(time: time, reason: reason)
                }
            default: throw OCSPError.malformed("certStatus tag")
            }
            let thisUpdate = try GeneralizedTime(derEncoded: &nodes).date
            var nextUpdate: Date?
            while let optional = nodes.next() {
                if optional.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific),
                   case .constructed(let children) = optional.content, let t = children.first(where: { _ in true }) {
                    nextUpdate = try GeneralizedTime(derEncoded: t).date
                }
            }
            return OCSPSingleResponseMessage(certificateID: id, status: status, thisUpdate: thisUpdate, nextUpdate: nextUpdate)
        }
    }
}

/// The value of an ENUMERATED (universal tag 10), which swift-asn1 has no type for; its content is
/// encoded as an INTEGER's (X.690 8.4).
func enumeratedValue(_ node: ASN1Node) throws -> Int {
    let enumerated = ASN1Identifier(tagWithNumber: 10, tagClass: .universal)
    guard node.identifier == enumerated else { throw OCSPError.malformed("expected ENUMERATED") }
    return try Int(derEncoded: node, withIdentifier: enumerated)
}

extension GeneralizedTime {
    /// The instant (GeneralizedTime in OCSP is UTC, RFC 6960 4.2.2.1 via RFC 5280 4.1.2.5.2).
    var date: Date {
        var c = DateComponents()
        c.calendar = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")
        (c.year, c.month, c.day, c.hour, c.minute, c.second) = (year, month, day, hours, minutes, seconds)
        return (c.date ?? .distantPast).addingTimeInterval(fractionalSeconds)
    }

    /// Whole seconds of `date` in UTC: DER GeneralizedTime in OCSP carries no fraction here.
    init(_ date: Date) throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        try self.init(year: c.year!, month: c.month!, day: c.day!, hours: c.hour!, minutes: c.minute!, seconds: c.second!,
                      fractionalSeconds: 0)
    }
}

/// Why an OCSP message could not be used.
public enum OCSPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes are not the expected structure; the text names the part.
    case malformed(String)
    /// The responder cannot sign with this key type.
    case unsupportedKey

    public var description: String {
        switch self {
        case .malformed(let what): return "malformed OCSP message: \(what)"
        case .unsupportedKey: return "unsupported OCSP signing key"
        }
    }
}
