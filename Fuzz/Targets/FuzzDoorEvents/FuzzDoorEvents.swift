// libFuzzer target: the door protocol's upload bodies (Sources/DoorProtocol) as the server decodes them
// (DoorSyncController.events: DoorWire's decoder, DoorEventBatch) and as the agent decodes the answer
// (DoorEventBatchResult) and the heartbeat, on arbitrary bytes. Invariants, beyond "no crash, no
// unbounded allocation":
// - a batch that decodes re-encodes and decodes to the same batch, and the re-encoding is a fixed point;
// - every event's own encoding (what the server stores for a quarantined event) decodes to that event;
// - a result and a heartbeat that decode re-encode and decode to the same value.
import FuzzSupport
import DoorProtocol
import Foundation

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzDoorEvents_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mynagate_fuzz_main(argc, argv)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let body = Data(bytes: start, count: count)
    if let batch = try? DoorWire.decoder().decode(DoorEventBatch.self, from: body) {
        let encoded = roundTrip(batch, "event batch")
        guard (try? DoorWire.encoder().encode(DoorWire.decoder().decode(DoorEventBatch.self, from: encoded))) == encoded else {
            fatalError("the canonical encoding of a batch is not a fixed point")
        }
        for event in batch.events { roundTrip(event, "event") }
    }
    if let result = try? DoorWire.decoder().decode(DoorEventBatchResult.self, from: body) { roundTrip(result, "batch result") }
    if let heartbeat = try? DoorWire.decoder().decode(DoorHeartbeat.self, from: body) { roundTrip(heartbeat, "heartbeat") }
    return 0
}

@discardableResult
private func roundTrip<T: Codable & Equatable>(_ value: T, _ what: String) -> Data {
    do {
        let encoded = try DoorWire.encoder().encode(value)
        guard try DoorWire.decoder().decode(T.self, from: encoded) == value else {
            fatalError("a decoded \(what) decodes to another value after re-encoding")
        }
        return encoded
    } catch {
        fatalError("a decoded \(what) does not re-encode and decode: \(error)")
    }
}
