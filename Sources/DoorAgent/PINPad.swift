import Foundation

/// Where a door gets the card holder's PIN: a keypad driver, standard input, or a test script.
///
/// The agent never logs, displays or stores what the pad returns; the text goes straight into
/// `MynaCard.PIN`, which never prints.
public protocol PINPad: Sendable {
    /// The PIN the holder typed, or nil when they cancelled or walked away.
    /// - Parameter triesLeft: what the card says, shown to the holder before they type.
    func readPIN(triesLeft: Int) async -> String?
    /// Asks the holder to confirm spending the card's last try; true only for an explicit yes.
    func confirmLastTry() async -> Bool
}

/// A PIN pad speaking lines: one line is the PIN; to confirm a last try the pad sends `yes` (or `y`).
///
/// Used for standard input and for a keypad driver on a Unix socket (``UnixSocketLineServer``).
public struct LinePINPad: PINPad {
    let lines: any LineSource

    /// A pad reading from `lines`.
    public init(lines: any LineSource) { self.lines = lines }

    public func readPIN(triesLeft: Int) async -> String? {
        guard let line = await lines.nextLine() else { return nil }
        let pin = line.trimmingCharacters(in: .whitespaces)
        return pin.isEmpty ? nil : pin
    }

    public func confirmLastTry() async -> Bool {
        guard let line = await lines.nextLine() else { return false }
        return ["yes", "y", "はい"].contains(line.trimmingCharacters(in: .whitespaces).lowercased())
    }
}

/// A pad that answers from a fixed script, for tests and benchmarks.
public actor ScriptedPINPad: PINPad {
    var pins: [String]
    let confirms: Bool
    /// How many times a PIN was asked for.
    public private(set) var asked = 0
    /// How many times the last-try confirmation was asked for.
    public private(set) var confirmationsAsked = 0

    /// A pad that returns `pins` in order (nil when they run out) and answers the last-try question
    /// with `confirmLastTry`.
    public init(pins: [String], confirmLastTry: Bool = false) {
        self.pins = pins
        self.confirms = confirmLastTry
    }

    public func readPIN(triesLeft: Int) async -> String? {
        asked += 1
        return pins.isEmpty ? nil : pins.removeFirst()
    }

    public func confirmLastTry() async -> Bool {
        confirmationsAsked += 1
        return confirms
    }
}
