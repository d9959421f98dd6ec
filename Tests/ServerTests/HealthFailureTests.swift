import Access
import Audit
import FaultInjection
import Fluent
import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Store
import Testing
import Vapor

/// Failures the server lives through without losing an event or deciding on a policy it cannot vouch
/// for: the event log refusing writes, the policy failing to reload. Each fault is injected by the
/// FaultInjection harness (every statement to a table fails until the rule is removed).
@Suite("Health: failures are kept, shown and recovered", .serialized)
struct HealthFailureTests {
    /// Makes every write to `table` fail until the returned rule is removed.
    static func breakWrites(_ plan: FaultPlan, _ table: String) -> Int {
        plan.add(.init(.write, table: table, times: nil, effect: .fail("injected: disk full")))
    }

    /// Makes every read of `table` fail until the returned rule is removed.
    static func breakReads(_ plan: FaultPlan, _ table: String) -> Int {
        plan.add(.init(.read, table: table, times: nil, effect: .fail("injected: connection lost")))
    }

    /// Polls `/health` until `done` holds for its body (or ~10 s pass), and returns the last reply.
    static func health(_ s: TestServer, until done: (TestServer.Reply, [String]) -> Bool) async throws -> (TestServer.Reply, [String]) {
        var last: (TestServer.Reply, [String])
        var tries = 0
        repeat {
            let r = try await s.send(.GET, "/health")
            let codes = (r.object()["problems"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            last = (r, codes)
            if done(r, codes) { return last }
            tries += 1
            try await Task.sleep(for: .milliseconds(100))
        } while tries < 100
        return last
    }

    static func decide(_ site: DoorSite) async throws -> TestServer.Reply {
        try await site.server.send(.POST, "/api/v1/doors/entrance/decisions", as: site.door, json: ["serial": site.serial])
    }

    /// The value of the unlabeled sample `name` in the exposition text.
    static func sample(_ text: String, _ name: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test("a failing batch write loses no door decision: kept, retried with backoff, shown on /health with the queue depth, counted, cleared on recovery")
    func failedFlushLosesNothing() async throws {
        // Before the server starts: its loggers are made with the handler installed at that moment.
        LogCapture.installed
        let plan = FaultPlan()
        let site = try await DoorSite.make(faults: plan)
        let s = site.server
        try await s.app.mynagate.events.flush()
        let before = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "door.decision").count()
        #expect(try await s.send(.GET, "/health").status == .ok)

        let capture = LogCapture.shared.open()
        let rule = Self.breakWrites(plan, AuditRecordModel.schema)
        let count = 20
        for _ in 0..<count {
            let r = try await Self.decide(site)
            #expect(r.status == .ok, "\(r.text)")
        }
        let (degraded, codes) = try await Self.health(s) { r, codes in
            codes.contains("audit.write_failed") && (r.object()["problems"] as? [[String: Any]] ?? []).contains { ($0["message"] as? String ?? "").contains("\(count) waiting") }
        }
        #expect(degraded.status == .serviceUnavailable, "\(degraded.text)")
        #expect(degraded.object()["status"] as? String == "degraded")
        #expect(codes.contains("audit.write_failed"), "\(codes)")
        let problem = (degraded.object()["problems"] as? [[String: Any]] ?? []).first { $0["code"] as? String == "audit.write_failed" }
        let message = problem?["message"] as? String ?? ""
        #expect(message.contains("\(count) waiting"), "\(message)")
        #expect(!message.contains(site.serial), "\(message)")
        // Logged where it is handled, with the batch and the queue.
        let lines = LogCapture.shared.close(capture)
        #expect(lines.contains { $0.contains("queued events failed") && $0.contains("kept for retry") }, "\(lines.suffix(5))")
        #expect((degraded.object()["queuedDecisions"] as? Int) == count)
        // A flush someone waits for gets the error, and the queue is still whole afterwards.
        await #expect(throws: (any Error).self) { try await s.app.mynagate.events.flush() }
        #expect(await s.app.mynagate.events.depth == count)

        let metrics = try await s.send(.GET, "/metrics").text
        #expect((Self.sample(metrics, "mynagate_event_write_failures_total") ?? 0) >= 1, "\(metrics)")
        #expect(Self.sample(metrics, "mynagate_event_queue_depth") == Double(count), "\(metrics)")
        // The timed retries keep going on their own (backoff), and count.
        try await Task.sleep(for: .milliseconds(300))
        let later = try await s.send(.GET, "/metrics").text
        #expect((Self.sample(later, "mynagate_event_write_retries_total") ?? 0) >= 1, "\(later)")

        plan.remove(rule)
        // Nobody flushes: the backoff retry alone writes the queue and clears the problem.
        let (healthy, after) = try await Self.health(s) { r, _ in r.status == .ok }
        #expect(healthy.status == .ok && after.isEmpty, "\(healthy.text)")
        let written = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "door.decision").count()
        #expect(written - before == count)
        #expect(try await s.app.db.transaction { _ in true })
        await s.stop()
    }

    @Test("past maxQueuedDecisions a door decision is refused with 503 (the door decides offline), and what was queued is still written")
    func queueBoundRefuses() async throws {
        let plan = FaultPlan()
        let site = try await DoorSite.make(faults: plan) { c, _ in c.maxQueuedDecisions = 5 }
        let s = site.server
        try await s.app.mynagate.events.flush()
        let before = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "door.decision").count()
        let rule = Self.breakWrites(plan, AuditRecordModel.schema)
        for _ in 0..<5 { #expect(try await Self.decide(site).status == .ok) }
        let refused = try await Self.decide(site)
        #expect(refused.status == .serviceUnavailable, "\(refused.text)")
        #expect(refused.text.contains("decide offline"), "\(refused.text)")
        #expect(refused.object()["outcome"] == nil, "a refused decision carries no grant: \(refused.text)")
        let metrics = try await s.send(.GET, "/metrics").text
        #expect(Self.sample(metrics, "mynagate_decisions_refused_total") == 1, "\(metrics)")

        plan.remove(rule)
        _ = try await Self.health(s) { r, _ in r.status == .ok }
        try await s.app.mynagate.events.flush()
        let written = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "door.decision").count()
        #expect(written - before == 5)
        #expect(try await Self.decide(site).status == .ok)
        await s.stop()
    }

    @Test("a decision refused for a full queue leaves presence as it was: the door did not open, so anti-passback must not count the passage")
    func refusedDecisionLeavesPresence() async throws {
        let plan = FaultPlan()
        let site = try await DoorSite.make(faults: plan) { c, _ in c.maxQueuedDecisions = 3 }
        let s = site.server
        let rule = Self.breakWrites(plan, AuditRecordModel.schema)
        // The queue is full of other events before this person taps.
        for i in 0..<3 { try await s.app.mynagate.events.enqueue(AuditDraft(kind: "test.filler", actor: "test", subject: "filler:\(i)", details: [:])) }
        let refused = try await Self.decide(site)
        #expect(refused.status == .serviceUnavailable, "\(refused.text)")
        #expect(await s.app.mynagate.presence.state.zoneOf.isEmpty, "the refused grant still placed the person inside")

        plan.remove(rule)
        try await s.app.mynagate.events.flush()
        #expect(try await Self.decide(site).status == .ok)
        #expect(await s.app.mynagate.presence.state.zoneOf.count == 1)
        await s.stop()
    }

    @Test("one request's failed write shows on /health and the next queued batch that lands clears it")
    func requestFailureClearedByBatch() async throws {
        let plan = FaultPlan()
        let site = try await DoorSite.make(faults: plan)
        let s = site.server
        let rule = Self.breakWrites(plan, AuditRecordModel.schema)
        let upload = try await site.upload([site.event(1)])
        #expect(upload.status.code >= 500)
        #expect(try await s.healthProblems().codes.contains("audit.write_failed"))
        plan.remove(rule)
        // Only door decisions from now on: their batch write shows the log works.
        #expect(try await Self.decide(site).status == .ok)
        try await s.app.mynagate.events.flush()
        #expect(try await s.healthProblems().codes.isEmpty)
        await s.stop()
    }

    @Test("a policy reload failing is shown on /health and counted; past maxPolicyAgeSeconds decisions fail secure with policy_stale_fail_secure; recovery clears it")
    func stalePolicyFailsSecure() async throws {
        LogCapture.installed
        let plan = FaultPlan()
        let site = try await DoorSite.make(faults: plan) { c, _ in c.maxPolicyAgeSeconds = 1 }
        let s = site.server
        #expect(try await Self.decide(site).object()["reason"] as? String == "granted")
        let capture = LogCapture.shared.open()
        let rule = Self.breakReads(plan, SettingModel.schema)
        let (failing, codes) = try await Self.health(s) { _, codes in codes.contains("policy.stale") }
        #expect(failing.status == .serviceUnavailable)
        #expect(codes.contains("policy.reload_failed") && codes.contains("policy.stale"), "\(failing.text)")
        #expect((failing.object()["policyAgeSeconds"] as? Double ?? 0) > 1, "\(failing.text)")
        let lines = LogCapture.shared.close(capture)
        #expect(lines.contains { $0.contains("policy reload failed") && $0.contains("injected") }, "\(lines.suffix(5))")
        let metrics = try await s.send(.GET, "/metrics").text
        #expect((Self.sample(metrics, "mynagate_policy_reload_failures_total") ?? 0) >= 1, "\(metrics)")
        #expect((Self.sample(metrics, "mynagate_policy_age_seconds") ?? 0) > 1, "\(metrics)")

        let stale = try await Self.decide(site)
        #expect(stale.status == .ok)
        #expect(stale.object()["outcome"] as? String == "deny")
        #expect(stale.object()["reason"] as? String == "policy_stale_fail_secure", "\(stale.text)")
        #expect((stale.object()["messageEn"] as? String ?? "").contains("fails secure"))
        #expect(DecisionReason.label(forCode: "policy_stale_fail_secure") != nil)
        // Nor does it hand its stale policy to door agents as a fresh signed snapshot.
        #expect(try await s.send(.GET, "/api/v1/doors/entrance/snapshot", as: site.door).status == .serviceUnavailable)
        // The dashboard says so too.
        let page = try await s.send(.GET, "/dashboard", as: site.admin)
        #expect(page.text.contains("id=\"policy-age\" class=\"alert-on\""), "\(page.text)")

        plan.remove(rule)
        let (healthy, after) = try await Self.health(s) { r, _ in r.status == .ok }
        #expect(healthy.status == .ok && after.isEmpty, "\(healthy.text)")
        #expect(try await s.send(.GET, "/api/v1/doors/entrance/snapshot", as: site.door).status == .ok)
        let fresh = try await Self.decide(site)
        #expect(fresh.object()["reason"] as? String != "policy_stale_fail_secure", "\(fresh.text)")
        try await s.app.mynagate.events.flush()
        let reasons = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "door.decision").all().map(\.details)
        #expect(reasons.contains { $0.contains("policy_stale_fail_secure") })
        await s.stop()
    }

    @Test("fail-safe: past maxPolicyAgeSeconds the server decides on its last policy and says so (policy_stale_fail_safe, basis recorded)")
    func stalePolicyFailsSafe() async throws {
        let plan = FaultPlan()
        let site = try await DoorSite.make(faults: plan) { c, _ in
            c.maxPolicyAgeSeconds = 1
            c.policyStaleMode = .failSafe
        }
        let s = site.server
        let rule = Self.breakReads(plan, SettingModel.schema)
        _ = try await Self.health(s) { _, codes in codes.contains("policy.stale") }
        let stale = try await Self.decide(site)
        #expect(stale.object()["outcome"] as? String == "grant", "\(stale.text)")
        #expect(stale.object()["reason"] as? String == "policy_stale_fail_safe", "\(stale.text)")
        #expect((stale.object()["messageJa"] as? String ?? "").contains("最後に読み込んだポリシー"))
        plan.remove(rule)
        _ = try await Self.health(s) { r, _ in r.status == .ok }
        try await s.app.mynagate.events.flush()
        let details = try await AuditRecordModel.query(on: s.app.db).filter(\.$kind == "door.decision").all().map(\.details)
        #expect(details.contains { $0.contains("policy_stale_fail_safe") && $0.contains("\"basis\":\"granted\"") }, "\(details)")
        await s.stop()
    }

    @Test("an error's description for logs and /health keeps its cause and loses every run of digits (a My Number, a PIN), full-width too")
    func describeRedacts() {
        struct Refused: Error, CustomStringConvertible { var description: String }
        let text = HealthRegistry.describe(Refused(description: "cannot read 123456789018 or １２３４５６７８９０１８ (PIN 1234) at row 12"))
        #expect(text.contains("cannot read") && text.contains("row 12"), "\(text)")
        #expect(!text.contains("123456789018") && !text.contains("１２３４") && !text.contains("1234"), "\(text)")
        // Vapor's decoding errors are Aborts whose reason can quote the value.
        let abort = HealthRegistry.describe(Abort(.badRequest, reason: "Cannot initialize Purpose from invalid String value 123456789018"))
        #expect(abort.hasPrefix("400 ") && !abort.contains("123456789018"), "\(abort)")
    }

    @Test("/metrics is valid Prometheus text: every sample's family has exactly one TYPE line before it, values parse, labels carry no serial")
    func metricsParse() async throws {
        let site = try await DoorSite.make()
        let s = site.server
        _ = try await Self.decide(site)
        _ = try await s.send(.POST, "/api/v1/session", json: ["username": "nobody", "password": "wrong"])
        let text = try await s.send(.GET, "/metrics").text
        let families = try PrometheusText.parse(text)
        for required in ["mynagate_decisions_total", "mynagate_decision_seconds", "mynagate_event_queue_depth", "mynagate_event_write_failures_total",
                         "mynagate_event_write_retries_total", "mynagate_events_dropped_total", "mynagate_decisions_refused_total",
                         "mynagate_policy_age_seconds", "mynagate_policy_reload_failures_total"] {
            #expect(families[required] != nil, "\(required) missing from\n\(text)")
        }
        #expect(families["mynagate_decision_seconds"] == "histogram")
        #expect(families["mynagate_event_queue_depth"] == "gauge")
        #expect(!families.keys.contains("mynagate_events_total"), "a family declared that does not exist")
        // No label value is the card's serial (label values are quoted; a bare digit run may be a number).
        #expect(!text.uppercased().contains("\"\(site.serial.uppercased())\""), "\(text)")
        await s.stop()
    }
}

/// A small reader of the Prometheus text format (0.0.4), strict where the exporter must be: each
/// sample belongs to a family whose `# TYPE` came before it, no family is typed twice, no TYPE line
/// is left without samples, and every value is a number.
enum PrometheusText {
    struct Invalid: Error, CustomStringConvertible { var description: String }

    /// The families and their types.
    static func parse(_ text: String) throws -> [String: String] {
        var types: [String: String] = [:]
        var seen: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                    throw Invalid(description: "bad TYPE line: \(line)")
                }
                guard types.updateValue(String(parts[3]), forKey: String(parts[2])) == nil else { throw Invalid(description: "typed twice: \(line)") }
                continue
            }
            if line.hasPrefix("#") { continue }
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            guard name.range(of: "^[a-zA-Z_:][a-zA-Z0-9_:]*$", options: .regularExpression) != nil else { throw Invalid(description: "bad name: \(line)") }
            guard let value = line.split(separator: " ").last, Double(value) != nil || ["+Inf", "-Inf", "NaN"].contains(value) else {
                throw Invalid(description: "bad value: \(line)")
            }
            if let open = line.firstIndex(of: "{") {
                guard let close = line.lastIndex(of: "}"), close > open else { throw Invalid(description: "bad labels: \(line)") }
                let labels = line[line.index(after: open)..<close]
                guard labels.range(of: #"^([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*$"#, options: .regularExpression) != nil else {
                    throw Invalid(description: "bad labels: \(line)")
                }
            }
            var family = name
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
                let base = String(name.dropLast(suffix.count))
                if types[base] == "histogram" || types[base] == "summary" { family = base }
            }
            guard types[family] != nil else { throw Invalid(description: "sample without a TYPE line: \(line)") }
            seen.insert(family)
        }
        if let empty = Set(types.keys).subtracting(seen).first { throw Invalid(description: "TYPE for a family with no samples: \(empty)") }
        return types
    }
}
