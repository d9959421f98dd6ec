import MynaCard
import Vapor

/// Cards the server reads itself at a desk, standing in for the desk's reader: only a demo has them.
///
/// A production server has none (``Vapor/Application/deskCards`` is nil) and the routes that would use
/// them — the enrollment page's demo button, giving one's number from the card at `/vault/my` — answer
/// 404. `mynagate demo` sets the virtual card files of its organisation (`Demo.VirtualCardFiles`), so the
/// server itself links no virtual card and no test certificate authority.
public protocol DeskCards: Sendable {
    /// The cards offered at the enrollment desk, leaving out those whose auth certificate serial
    /// (uppercase hex, as credentials store it) is in `enrolled`. A card that cannot be read throws: the
    /// desk page then fails loudly rather than quietly offering fewer cards.
    func offered(excluding enrolled: Set<String>) throws -> [DeskCardOption]
    /// The card called `name` — a name from ``offered(excluding:)``, or `<employee number>.vcard` for
    /// the holder's own card — or nil when there is no such card. `name` is a bare name (no path);
    /// anything else is nil.
    func card(named name: String) throws -> MynaCard?
}

/// A card offered at the desk: its name and a label with the holder's name and birth date as the card's
/// face shows them, so a demo user can make the matching HR record.
public struct DeskCardOption: Encodable, Sendable, Hashable {
    public var file: String
    public var label: String

    public init(file: String, label: String) {
        self.file = file
        self.label = label
    }
}

extension Application {
    private struct DeskCardsKey: StorageKey {
        typealias Value = any DeskCards
    }

    /// The cards the server may read itself (``DeskCards``): nil except in `mynagate demo` and tests.
    public var deskCards: (any DeskCards)? {
        get { storage[DeskCardsKey.self] }
        set { storage[DeskCardsKey.self] = newValue }
    }
}
