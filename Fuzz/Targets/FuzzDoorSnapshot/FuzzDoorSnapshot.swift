// libFuzzer target: the door agent's reading of a signed snapshot (Sources/DoorAgent/SnapshotVerifier.swift:
// Ed25519 signature, then DoorWire's JSON decoding of DoorSnapshot from Sources/DoorProtocol) on
// arbitrary bodies. The target signs each body with a fixed test key, as the server would, so the JSON
// decoder behind the signature check is what gets fuzzed. Invariants, beyond "no crash, no unbounded
// allocation":
// - a body that decodes re-encodes (DoorWire's canonical sorted-key form) and decodes to the same
//   snapshot, and that canonical form is a fixed point (re-encoding it gives the same bytes, which is
//   what a signature over a stored snapshot relies on);
// - the same body with one signature bit flipped, or signed by another key, is refused as badSignature;
// - a snapshot for another door is refused as wrongDoor;
// - the decoded policy can be turned into an AccessPolicy and merged as a delta onto itself.
import FuzzSupport
import Crypto
import DoorProtocol
import Foundation

private let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0x5A, count: 32))
private let otherKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0xA5, count: 32))
private let verifier = SnapshotVerifier(key: key.publicKey)

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzDoorSnapshot_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    // The fixture is built by one empty input first, LeakSanitizer looking away (FuzzSupport.c says why).
    mynagate_fuzz_main_warm(argc, argv)
}


@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let body = Data(bytes: start, count: count)
    guard let signature = try? key.signature(for: body) else { fatalError("cannot sign") }
    let door: String
    do {
        // The door the body names, when it names one, so the decoder's result is seen.
        door = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["door"] as? String ?? "front"
    }
    let snapshot: DoorSnapshot
    do {
        snapshot = try verifier.verify(body: body, signature: signature.base64EncodedString(), door: door)
    } catch .wrongDoor {
        return 0
    } catch .malformed {
        return 0
    } catch {
        fatalError("a correctly signed body was refused for \(error)")
    }

    var flipped = Array(signature)
    flipped[count % flipped.count] ^= 0x01
    for bad in [Data(flipped), (try? otherKey.signature(for: body)) ?? Data()] {
        do {
            _ = try verifier.verify(body: body, signature: bad.base64EncodedString(), door: door)
            fatalError("a body with a wrong signature was accepted")
        } catch .badSignature {
        } catch {
            fatalError("a wrong signature was refused for \(error), not badSignature")
        }
    }
    do {
        _ = try verifier.verify(body: body, signature: signature.base64EncodedString(), door: door + "x")
        fatalError("a snapshot for another door was accepted")
    } catch .wrongDoor {
    } catch {
        fatalError("a snapshot for another door was refused for \(error), not wrongDoor")
    }

    let encoded: Data
    let again: DoorSnapshot
    do {
        encoded = try DoorWire.encoder().encode(snapshot)
        again = try DoorWire.decoder().decode(DoorSnapshot.self, from: encoded)
    } catch {
        fatalError("a decoded snapshot does not re-encode and decode: \(error)")
    }
    guard again == snapshot else { fatalError("a snapshot decodes to another value after re-encoding") }
    guard (try? DoorWire.encoder().encode(again)) == encoded else { fatalError("the canonical encoding is not a fixed point") }

    _ = snapshot.accessPolicy()
    var delta = snapshot
    delta.full = false
    let merged = snapshot.applying(delta)
    guard merged.full, merged.removedCredentials.isEmpty, merged.policy.credentials.count <= snapshot.policy.credentials.count else {
        fatalError("merging a snapshot's own delta grew it or left it partial")
    }
    return 0
}
