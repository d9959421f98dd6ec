import Foundation
import MynaCard
import Vapor

/// The text application's integrity record (EF `0003`) as the vault uses it: a number read from the chip
/// is stored only when the record vouches for it, and the vault records how far (issue 17 item 8).
///
/// A mismatch is **refused**, not stored with a flag: no honest card produces one — the files were
/// altered after issue, or the client altered what it posts — so the number's own evidence contradicts
/// it, and a flag beside it would still put it in the vault next to genuine ones. The person can read the
/// card again or type the number, which then awaits the handler's documents like any typed number.
package enum CardIntegrity {
    /// Reads the trusted card-verifiable CAs: one `.cvc` file, or every `.cvc` file of a directory.
    static func loadIssuers(_ path: String?) throws -> CVCIssuers {
        guard let path else { return .none }
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigurationError("cvcIssuers: \(path) does not exist")
        }
        let files = isDirectory.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".cvc") }.sorted().map { url.appendingPathComponent($0) }
            : [url]
        guard !files.isEmpty else { throw ConfigurationError("cvcIssuers: no .cvc file in \(path)") }
        do {
            return try CVCIssuers(certificates: try files.map { Array(try Data(contentsOf: $0)) })
        } catch {
            throw ConfigurationError("cvcIssuers: \(path): \(error)")
        }
    }

    /// The refusal for a reading whose integrity record contradicts it.
    package static func refused(_ reason: TextIntegrityMismatch) -> APIError {
        APIError(.unprocessableEntity, code: "card_integrity_mismatch",
                 ja: "カードの読み取り内容が完全性レコードと一致しないため受け付けません（\(reason.japanese)）。もう一度カードを読み取るか、番号を入力してください",
                 en: "the card's reading does not match its integrity record (\(reason.english)); read the card again or type the number")
    }

    /// The stored code of a reading the vault accepts; throws the refusal for a mismatch, after auditing
    /// it for the security officer (who tried, for which request, which check failed; never the number).
    package static func accepted(_ integrity: TextIntegrity, request: UUID, req: Request) async throws -> String {
        guard case .mismatch(let reason) = integrity else { return integrity.code }
        try await req.audit(kind: "vault.card.integrity_refused", subject: "vault_request:\(request.uuidString)",
                            details: ["reason": reason.rawValue])
        throw refused(reason)
    }
}

/// A configuration value that cannot be used; stops the server at start.
struct ConfigurationError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

extension Application {
    private struct CVCIssuersKey: StorageKey { typealias Value = CVCIssuers }

    /// The card-verifiable CAs from ``ServerConfig/cvcIssuers``, loaded at start.
    public var cvcIssuers: CVCIssuers {
        get { storage[CVCIssuersKey.self] ?? .none }
        set { storage[CVCIssuersKey.self] = newValue }
    }
}
