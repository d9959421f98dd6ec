import Crypto
import Foundation
import SwiftASN1
import X509

/// A minimal OCSP responder (RFC 6960 4.2) for tests and the test PKI: it answers requests for one CA
/// from a table of statuses, signed by the CA's key (or a delegated responder's).
///
/// It is the other end that ``OCSPRevocationChecker`` is tested against; no production deployment runs
/// it (J-LIS operates the real responders).
public struct OCSPResponder: Sendable {
    /// What to do with the request's nonce, to test clients against misbehaving responders.
    public enum NonceHandling: Sendable, Hashable {
        /// Return the request's nonce (RFC 6960 4.4.1).
        case echo
        /// Return none (a pre-produced response).
        case omit
        /// Return these bytes instead (a replayed response).
        case replace([UInt8])
    }

    /// The CA whose certificates this responder answers for.
    public var issuer: Certificate
    /// The key that signs responses: the CA's, or the delegated responder's.
    public var signingKey: Certificate.PrivateKey
    /// A delegated responder certificate (issued by the CA with id-kp-OCSPSigning), sent in `certs`;
    /// `nil` when the CA signs.
    public var responderCertificate: Certificate?
    /// The status of each serial; serials not listed are `unknown`.
    public var statuses: [Certificate.SerialNumber: OCSPCertificateStatus]
    /// nextUpdate − thisUpdate; `nil` omits nextUpdate.
    public var validity: TimeInterval?

    /// A responder for `issuer`.
    public init(
        issuer: Certificate, signingKey: Certificate.PrivateKey, responderCertificate: Certificate? = nil,
        statuses: [Certificate.SerialNumber: OCSPCertificateStatus] = [:], validity: TimeInterval? = 3600
    ) {
        self.issuer = issuer
        self.signingKey = signingKey
        self.responderCertificate = responderCertificate
        self.statuses = statuses
        self.validity = validity
    }

    /// Answers a DER OCSPRequest: `malformedRequest` for bytes that are not one, otherwise a signed
    /// basic response about the first certificate asked for, with `thisUpdate` (default `time`).
    public func respond(to request: [UInt8], at time: Date, thisUpdate: Date? = nil, nonce handling: NonceHandling = .echo) throws -> [UInt8] {
        guard let parsed = try? OCSPRequestMessage(derEncoded: request) else { return try Self.unsigned(status: 1) }
        let id = parsed.certificateID
        // Only answer for this CA: the CertID's hashes must be this issuer's.
        let mine = try OCSPCertificateID(serial: Certificate.SerialNumber(bytes: id.serial), issuer: issuer, hashAlgorithm: id.hashAlgorithm)
        let status = mine == id ? (statuses[Certificate.SerialNumber(bytes: id.serial)] ?? .unknown) : .unknown
        let nonce: [UInt8]?
        switch handling {
        case .echo: nonce = parsed.nonce
        case .omit: nonce = nil
        case .replace(let bytes): nonce = bytes
        }
        let updated = thisUpdate ?? time
        return try signed(id: id, status: status, producedAt: time, thisUpdate: updated,
                          nextUpdate: validity.map { updated.addingTimeInterval($0) }, nonce: nonce)
    }

    /// An OCSPResponse with no responseBytes (any status but successful).
    static func unsigned(status: Int) throws -> [UInt8] {
        var s = DER.Serializer()
        try s.appendConstructedNode(identifier: .sequence) { s in try Self.enumerated(status, into: &s) }
        return s.serializedBytes
    }

    func signed(id: OCSPCertificateID, status: OCSPCertificateStatus, producedAt: Date, thisUpdate: Date,
                nextUpdate: Date?, nonce: [UInt8]?) throws -> [UInt8] {
        let signer = responderCertificate ?? issuer
        // RSA keys sign with SHA-256 (JPKI's CAs are RSA-2048, domain.md section 3); P-256 with ECDSA.
        let algorithm: Certificate.SignatureAlgorithm = P256.Signing.PublicKey(signer.publicKey) != nil
            ? .ecdsaWithSHA256 : .sha256WithRSAEncryption
        guard let algorithmOID = OCSPOID.oid(of: algorithm) else { throw OCSPError.unsupportedKey }

        var tbs = DER.Serializer()
        try tbs.appendConstructedNode(identifier: .sequence) { s in        // ResponseData (version v1 DEFAULT)
            try s.appendConstructedNode(identifier: Self.context(1)) { s in try s.serialize(signer.subject) }  // byName
            try s.serialize(try GeneralizedTime(producedAt))
            try s.appendConstructedNode(identifier: .sequence) { s in      // responses
                try s.appendConstructedNode(identifier: .sequence) { s in  // SingleResponse
                    try s.serialize(id)
                    switch status {
                    case .good: s.appendPrimitiveNode(identifier: Self.context(0)) { _ in }
                    case .unknown: s.appendPrimitiveNode(identifier: Self.context(2)) { _ in }
                    case .revoked(let time, let reason):
                        try s.appendConstructedNode(identifier: Self.context(1)) { s in
                            try s.serialize(try GeneralizedTime(time))
                            if let reason {
                                try s.appendConstructedNode(identifier: Self.context(0)) { s in try Self.enumerated(reason.rawValue, into: &s) }
                            }
                        }
                    }
                    try s.serialize(try GeneralizedTime(thisUpdate))
                    if let nextUpdate {
                        try s.appendConstructedNode(identifier: Self.context(0)) { s in try s.serialize(try GeneralizedTime(nextUpdate)) }
                    }
                }
            }
            if let nonce {
                try s.appendConstructedNode(identifier: Self.context(1)) { s in try OCSPNonceExtension.serialize(nonce, into: &s) }
            }
        }
        let tbsBytes = tbs.serializedBytes
        let signature = try signingKey.sign(bytes: tbsBytes, signatureAlgorithm: algorithm)

        var basic = DER.Serializer()
        try basic.appendConstructedNode(identifier: .sequence) { s in
            s.serializeRawBytes(tbsBytes)
            try s.appendConstructedNode(identifier: .sequence) { s in
                try s.serialize(algorithmOID)
                if algorithm != .ecdsaWithSHA256 { try s.serialize(ASN1Null()) }   // RSA: NULL parameters (RFC 4055 5)
            }
            try s.serialize(ASN1BitString(bytes: signature.rawRepresentation[...]))
            if let responderCertificate {
                try s.appendConstructedNode(identifier: Self.context(0)) { s in
                    try s.appendConstructedNode(identifier: .sequence) { s in try s.serialize(responderCertificate) }
                }
            }
        }
        var response = DER.Serializer()
        try response.appendConstructedNode(identifier: .sequence) { s in
            try Self.enumerated(0, into: &s)
            try s.appendConstructedNode(identifier: Self.context(0)) { s in
                try s.appendConstructedNode(identifier: .sequence) { s in
                    try s.serialize(OCSPOID.basicResponse)
                    try s.serialize(ASN1OctetString(contentBytes: basic.serializedBytes[...]))
                }
            }
        }
        return response.serializedBytes
    }

    static func context(_ number: UInt) -> ASN1Identifier { ASN1Identifier(tagWithNumber: number, tagClass: .contextSpecific) }

    /// ENUMERATED with a small non-negative value (X.690 8.4: encoded as an INTEGER).
    static func enumerated(_ value: Int, into s: inout DER.Serializer) throws {
        try value.serialize(into: &s, withIdentifier: ASN1Identifier(tagWithNumber: 10, tagClass: .universal))
    }
}
