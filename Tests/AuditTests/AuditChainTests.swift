import Foundation
import Testing
@testable import Audit

@Suite("Audit hash chain")
struct AuditChainTests {
    static func log(_ n: Int) -> [AuditRecord] {
        var records: [AuditRecord] = []
        var head: AuditHead?
        for i in 0..<n {
            let r = AuditChain.seal(AuditDraft(time: Date(timeIntervalSince1970: 1_795_700_000 + Double(i)), kind: "door.decision", actor: "door:entrance", subject: "employee:e\(i % 7)", details: ["outcome": i % 3 == 0 ? "deny" : "grant", "reason": "granted"]), after: head)
            head = AuditHead(sequence: r.sequence, hash: r.hash)
            records.append(r)
        }
        return records
    }

    @Test func intactChainVerifies() {
        let records = Self.log(50)
        #expect(AuditChain.verify(records) == .intact(count: 50, head: AuditHead(sequence: 50, hash: records[49].hash)))
        #expect(records[0].previousHash == AuditChain.genesisHash)
        #expect(records[1].previousHash == records[0].hash)
    }

    @Test("an edited field is found at its row")
    func edited() {
        var records = Self.log(20)
        records[7].details = #"{"outcome":"grant","reason":"granted"}"#
        records[7].details += " "
        #expect(AuditChain.verify(records) == .broken(at: 8, .contentChanged))
        var moved = Self.log(5)
        moved[2].actor = "door:entranc"
        moved[2].subject = "eemployee:e2"
        #expect(AuditChain.verify(moved) == .broken(at: 3, .contentChanged))
    }

    @Test("a deleted row is a gap; a replaced row breaks the link")
    func deleted() {
        var records = Self.log(20)
        records.remove(at: 10)
        #expect(AuditChain.verify(records) == .broken(at: 11, .missingRecords(from: 11, to: 11)))
        // Re-sealing a forged row in place still breaks the next row's link.
        var forged = Self.log(20)
        let before = AuditHead(sequence: forged[8].sequence, hash: forged[8].hash)
        forged[9] = AuditChain.seal(AuditDraft(time: Date(), kind: "door.decision", actor: "door:x", subject: "employee:e1"), after: before)
        #expect(AuditChain.verify(forged) == .broken(at: 11, .previousHashMismatch))
    }

    @Test("truncation at the end is caught with the head kept elsewhere")
    func truncated() {
        let records = Self.log(20)
        let head = AuditHead(sequence: 20, hash: records[19].hash)
        #expect(AuditChain.verify(records.prefix(18)).isIntact)
        #expect(AuditChain.verify(records.prefix(18), expectedHead: head) == .broken(at: 19, .truncated(expectedLast: 20)))
        #expect(AuditChain.verify(records, expectedHead: head).isIntact)
    }

    @Test func reordered() {
        var records = Self.log(5)
        records.swapAt(1, 2)
        #expect(AuditChain.verify(records) == .broken(at: 2, .missingRecords(from: 2, to: 2)))
    }

    @Test("canonical details: the same facts hash the same whatever the insertion order")
    func canonical() {
        let a = AuditDraft(time: Date(timeIntervalSince1970: 0), kind: "k", actor: "a", subject: "s", details: ["b": "2", "a": "1"])
        var b = a
        b.details = [:]
        b.details["a"] = "1"
        b.details["b"] = "2"
        #expect(AuditChain.seal(a, after: nil).hash == AuditChain.seal(b, after: nil).hash)
        #expect(a.canonicalDetails == #"{"a":"1","b":"2"}"#)
    }
}
