import Foundation
import MynaCard
import MynaCardSim
import Server
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import SmartCard
import X509

/// The demo's desk cards (``Server/DeskCards``): the virtual card files (`*.vcard`) in one directory,
/// read over APDUs as a desk reader would read a real card.
public struct VirtualCardFiles: DeskCards {
    /// The directory of card files.
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public func offered(excluding enrolled: Set<String>) throws -> [DeskCardOption] {
        // The demo makes every file here: a directory that cannot be listed or a card that cannot be read
        // is an error (the page answers 500 and the log says why), not a card quietly left out.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".vcard") }.sorted()
        return try names.compactMap { name in
            let state = try VirtualMynaCard.load(contentsOf: directory.appendingPathComponent(name)).state
            let cert = try Certificate(derEncoded: state.authCertificate)
            guard !enrolled.contains(cert.serialNumber.bytes.map { String(format: "%02X", $0) }.joined()) else { return nil }
            let b = state.holder.birthDate
            return DeskCardOption(file: name, label: "\(name) — \(state.holder.name) (\(b.prefix(4))-\(b.dropFirst(4).prefix(2))-\(b.suffix(2)))")
        }
    }

    public func card(named name: String) throws -> MynaCard? {
        // A bare file name: no path may reach outside the directory.
        guard name.hasSuffix(".vcard"), !name.contains("/"), !name.hasPrefix("."), name.count <= 64 else { return nil }
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return MynaCard(transport: EmulatedCardTransport(card: try VirtualMynaCard.load(contentsOf: url)))
    }
}
