import Foundation
import MyNumber
import Testing
@testable import Vault

@Suite("Envelope encryption")
struct SealingTests {
    let k1 = KeyID(rawValue: "2024-01")!
    let k2 = KeyID(rawValue: "2025-01")!

    @Test func roundTrip() async throws {
        let ring = try Keyring(current: k1, keys: [k1: randomKey()])
        let sealer = NumberSealer(provider: ring)
        for f in firstDigits {
            let n = try testNumber(f)
            let rec = NumberRecordID()
            let sealed = try await sealer.seal(n, for: rec)
            #expect(sealed.keyID == k1)
            #expect(sealed.ciphertext.count == 12 + 12 + 16)
            let back = try await sealer.open(sealed, for: rec)
            #expect(back == n)
            #expect(back.revealDigits() == (try digitsOf(f)))
            // Each number has its own data key and nonce: the same number twice seals differently.
            let again = try await sealer.seal(n, for: rec)
            #expect(again.ciphertext != sealed.ciphertext)
            #expect(again.wrappedKey != sealed.wrappedKey)
        }
    }

    @Test func movedToAnotherRecordFails() async throws {
        let ring = try Keyring(current: k1, keys: [k1: randomKey()])
        let n = try testNumber(firstDigits[0])
        let a = NumberRecordID(), b = NumberRecordID()
        // Both layers bind the record: the wrapped key fails first with the real keyring …
        let sealed = try await NumberSealer(provider: ring).seal(n, for: a)
        await #expect(throws: VaultCryptoError.dataKeyUnwrapFailed(k1)) { try await NumberSealer(provider: ring).open(sealed, for: b) }
        // … and the number's own associated data catches it even under a provider that ignores context.
        let naive = NumberSealer(provider: ContextIgnoringProvider(inner: ring))
        let sealed2 = try await naive.seal(n, for: a)
        #expect(try await naive.open(sealed2, for: a) == n)
        await #expect(throws: VaultCryptoError.ciphertextAuthenticationFailed) { try await naive.open(sealed2, for: b) }
    }

    @Test func tamperingDetected() async throws {
        let key1 = randomKey()
        let ring = try Keyring(current: k1, keys: [k1: key1])
        let sealer = NumberSealer(provider: ring)
        let rec = NumberRecordID()
        let sealed = try await sealer.seal(try testNumber(firstDigits[1]), for: rec)
        for i in [0, 12, 20, sealed.ciphertext.count - 1] {
            var t = sealed
            t.ciphertext[i] ^= 0x01
            await #expect(throws: VaultCryptoError.ciphertextAuthenticationFailed) { try await sealer.open(t, for: rec) }
        }
        var truncated = sealed
        truncated.ciphertext = sealed.ciphertext.prefix(20)
        await #expect(throws: VaultCryptoError.ciphertextAuthenticationFailed) { try await sealer.open(truncated, for: rec) }
        var badKey = sealed
        badKey.wrappedKey!.sealed[15] ^= 0x80
        await #expect(throws: VaultCryptoError.dataKeyUnwrapFailed(k1)) { try await sealer.open(badKey, for: rec) }
        // Relabelling the wrapped key with another KEK id is caught too (the id is in the associated data).
        let ring2 = try Keyring(current: k1, keys: [k1: key1, k2: randomKey()])
        var relabelled = sealed
        relabelled.wrappedKey!.keyID = k2
        await #expect(throws: VaultCryptoError.dataKeyUnwrapFailed(k2)) { try await NumberSealer(provider: ring2).open(relabelled, for: rec) }
        var future = sealed
        future.format = 2
        await #expect(throws: VaultCryptoError.unsupportedFormat(2)) { try await sealer.open(future, for: rec) }
    }

    @Test func wrongKeyDetected() async throws {
        let rec = NumberRecordID()
        let right = try Keyring(current: k1, keys: [k1: randomKey()])
        let sealed = try await NumberSealer(provider: right).seal(try testNumber(firstDigits[0]), for: rec)
        let sameIDOtherKey = try Keyring(current: k1, keys: [k1: randomKey()])
        await #expect(throws: VaultCryptoError.dataKeyUnwrapFailed(k1)) { try await NumberSealer(provider: sameIDOtherKey).open(sealed, for: rec) }
        let otherID = try Keyring(current: k2, keys: [k2: randomKey()])
        await #expect(throws: VaultCryptoError.unknownKeyID(k1)) { try await NumberSealer(provider: otherID).open(sealed, for: rec) }
    }

    @Test func rotationLosesNothing() async throws {
        let old = randomKey(), new = randomKey()
        let before = try Keyring(current: k1, keys: [k1: old])
        let during = try Keyring(current: k2, keys: [k1: old, k2: new])
        let after = try Keyring(current: k2, keys: [k2: new])
        var rows: [(NumberRecordID, SealedNumber, IndividualNumber)] = []
        for f in firstDigits {
            let id = NumberRecordID(), n = try testNumber(f)
            rows.append((id, try await NumberSealer(provider: before).seal(n, for: id), n))
        }
        let rotator = NumberSealer(provider: during)
        // Records not yet re-wrapped still open during the rotation (no downtime).
        for (id, s, n) in rows {
            #expect(rotator.needsRewrap(s))
            #expect(try await rotator.open(s, for: id) == n)
        }
        var rewrapped: [(NumberRecordID, SealedNumber, IndividualNumber)] = []
        for (id, s, n) in rows {
            let r = try await rotator.rewrap(s, for: id)
            #expect(r.keyID == k2)
            #expect(r.ciphertext == s.ciphertext)
            #expect(!rotator.needsRewrap(r))
            #expect(try await rotator.rewrap(r, for: id) == r)
            rewrapped.append((id, r, n))
        }
        // Once all are re-wrapped the old key can go: every number still opens with the new key alone.
        for (id, r, n) in rewrapped { #expect(try await NumberSealer(provider: after).open(r, for: id) == n) }
        // A record left behind is detected, not silently lost.
        await #expect(throws: VaultCryptoError.unknownKeyID(k1)) { try await NumberSealer(provider: after).open(rows[0].1, for: rows[0].0) }
    }

    @Test func cryptoErasure() async throws {
        let ring = try Keyring(current: k1, keys: [k1: randomKey()])
        let sealer = NumberSealer(provider: ring)
        let rec = NumberRecordID()
        let sealed = try await sealer.seal(try testNumber(firstDigits[2]), for: rec)
        let erased = sealed.destroyingDataKey()
        #expect(erased.isErased)
        #expect(erased.ciphertext.allSatisfy { $0 == 0 })
        await #expect(throws: VaultCryptoError.dataKeyDestroyed) { try await sealer.open(erased, for: rec) }
        #expect(try await sealer.rewrap(erased, for: rec) == erased)
        #expect(!sealer.needsRewrap(erased))
    }

    @Test func storedFormRoundTripsThroughJSON() async throws {
        let ring = try Keyring(current: k1, keys: [k1: randomKey()])
        let sealer = NumberSealer(provider: ring)
        let rec = NumberRecordID()
        let n = try testNumber(firstDigits[0])
        let sealed = try await sealer.seal(n, for: rec)
        let json = try JSONEncoder().encode(sealed)
        let back = try JSONDecoder().decode(SealedNumber.self, from: json)
        #expect(back == sealed)
        #expect(try await sealer.open(back, for: rec) == n)
    }
}

