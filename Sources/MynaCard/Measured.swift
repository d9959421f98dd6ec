import SmartCard

/// A result and what it cost on the wire. Every card operation reports its APDUs and bytes, so a door
/// can show that a tap took 3 APDUs and a benchmark can compare with OpenSC.
public struct Measured<Value: Sendable>: Sendable {
    /// The result.
    public var value: Value
    /// APDUs and bytes the operation used.
    public var usage: CardChannel.Usage

    public init(_ value: Value, usage: CardChannel.Usage) {
        self.value = value
        self.usage = usage
    }
}
