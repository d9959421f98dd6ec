import ArgumentParser
import Crypto
import Foundation
import SwiftASN1
import Trust
import X509

/// `mynagate trust status`: what this installation trusts, and how old its revocation data is.
struct TrustStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List the configured trust anchors and the age of the revocation index.",
        discussion: """
            Anchors come from --anchors DIR (or $MYNAGATE_ANCHORS); CRL ages from the revocation index \
            directory --index DIR made by `mynagate trust crl import`. The certificate policy rule is \
            $MYNAGATE_CERT_POLICY (off unless set; see `mynagate trust verify --help`).

            Examples:
              mynagate trust status --anchors ./test-ca
              mynagate trust status --anchors /etc/mynagate/anchors --index /var/lib/mynagate/crl --json
            """
    )

    @Option(help: ArgumentHelp("Trust anchors directory (default: $MYNAGATE_ANCHORS).", valueName: "DIR"))
    var anchors: String?

    @Option(help: ArgumentHelp("Revocation index directory.", valueName: "DIR"))
    var index: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    struct AnchorLine: Encodable {
        let purpose: String, subject: String, notAfter: Date, expired: Bool, sha256: String, file: String?
    }
    struct CRLLine: Encodable {
        let issuer: String, entries: Int, thisUpdate: Date, nextUpdate: Date?, ageHours: Double, state: String, signatureVerified: Bool
        /// The anchor file whose key verified the CRL; "key not recorded" for an index written before
        /// the key was (it answers by name until re-imported), "not a configured anchor" otherwise.
        let verifiedWith: String?
    }

    func run() async throws {
        let now = Date()
        let trust = try TrustConfiguration.anchors(anchors)
        let anchorLines = try trust.all.map { a -> AnchorLine in
            var s = DER.Serializer()
            try s.serialize(a.certificate)
            let digest = SHA256.hash(data: s.serializedBytes).map { String(format: "%02X", $0) }.joined(separator: ":")
            return AnchorLine(purpose: a.purpose.rawValue, subject: a.certificate.subject.description,
                              notAfter: a.certificate.notValidAfter, expired: a.certificate.notValidAfter < now,
                              sha256: digest, file: a.file)
        }
        var crlLines: [CRLLine] = []
        var failures: [String: String] = [:]
        if let index {
            let loaded = RevocationIndexStore(directory: URL(fileURLWithPath: index)).loadAll()
            // Same-named generations are told apart by key: say which anchor's key verified each CRL.
            var anchorByKey: [[UInt8]: String] = [:]
            for a in trust.all { if let d = try? CRLIssuerKey.keyDigest(of: a.certificate) { anchorByKey[d] = a.file ?? a.certificate.subject.description } }
            failures = loaded.failures
            crlLines = loaded.indexes.map { i in
                let h = i.header
                let state: String
                switch h.freshness(at: now) {
                case .current: state = "current"
                case .stale(let since): state = "stale since \(since.formatted(.iso8601))"
                case .notYetValid: state = "not yet valid"
                }
                return CRLLine(issuer: h.issuer?.description ?? "?", entries: i.count, thisUpdate: h.thisUpdate,
                               nextUpdate: h.nextUpdate, ageHours: now.timeIntervalSince(h.thisUpdate) / 3600,
                               state: state, signatureVerified: h.signatureVerified,
                               verifiedWith: !h.signatureVerified ? nil : h.issuerKeyDigest.map { anchorByKey[$0] ?? "not a configured anchor" }
                                   ?? "key not recorded (index from before version 2: import the CRL again)")
            }
        }
        let policyRule = ProcessInfo.processInfo.environment["MYNAGATE_CERT_POLICY"] ?? CertificatePolicyRule.Mode.off.rawValue
        guard CertificatePolicyRule.Mode(rawValue: policyRule) != nil else {
            TrustConfiguration.fail("MYNAGATE_CERT_POLICY must be off, warn or require")
        }
        if json {
            struct Output: Encodable {
                let anchors: [AnchorLine]; let crls: [CRLLine]?; let indexFailures: [String: String]?; let certificatePolicyRule: String
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            let out = Output(anchors: anchorLines, crls: index == nil ? nil : crlLines, indexFailures: failures.isEmpty ? nil : failures,
                             certificatePolicyRule: policyRule)
            FileHandleOutput.standardOutput.write(String(decoding: try encoder.encode(out), as: UTF8.self) + "\n")
            return
        }
        FileHandleOutput.standardOutput.write("trust anchors:\n")
        for a in anchorLines {
            FileHandleOutput.standardOutput.write("  [\(a.purpose)] \(a.subject)\n      until \(a.notAfter.formatted(.iso8601))\(a.expired ? " (EXPIRED)" : "")  sha256 \(a.sha256.prefix(23))…  \(a.file ?? "")\n")
        }
        FileHandleOutput.standardOutput.write("certificate policy rule: \(policyRule)\n")
        if index != nil {
            FileHandleOutput.standardOutput.write("revocation index:\n")
            if crlLines.isEmpty { FileHandleOutput.standardOutput.write("  no CRL imported\n") }
            for c in crlLines {
                FileHandleOutput.standardOutput.write("  \(c.issuer): \(c.entries) entries, thisUpdate \(c.thisUpdate.formatted(.iso8601)) (\(String(format: "%.1f", c.ageHours)) h old), \(c.state)\(c.signatureVerified ? "" : ", SIGNATURE NOT VERIFIED")\(c.verifiedWith.map { ", verified with \($0)" } ?? "")\n")
            }
            for (stem, why) in failures.sorted(by: { $0.key < $1.key }) {
                FileHandleOutput.standardOutput.write("  \(stem): unusable (\(why))\n")
            }
        }
    }
}
