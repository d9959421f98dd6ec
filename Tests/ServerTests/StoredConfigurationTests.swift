import Fluent
import Foundation
import ServerCore
import AttendanceServer
@testable import CardApplicationServer
import VaultServer
import Store
import Testing
import Vapor

/// A group's grants and a schedule's windows are read from the database in one place each
/// (`GrantJSON.decodeList`, `ScheduleJSON.decodeRaw`), and text that cannot be read is an error —
/// never "no grants" or "no windows".
@Suite("Stored access configuration that cannot be read is an error, not an empty default")
struct StoredConfigurationTests {
    /// Seen failing before (three readers, each `(try? decode) ?? []`): with a group's grants garbled in
    /// the database, the policy loaded with the group granting nothing, `/health` stayed healthy and the
    /// API answered 200 with `"grants": []` — which a client saving the group back would have stored.
    @Test func garbledGrantsStopThePolicyReloadAndAreNotServedAsEmpty() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let admin = try await s.user(.admin)
        try await setUpSite(s, admin: admin)
        let staff = try #require(try await AccessGroupModel.find("staff", on: s.app.db))
        staff.grants = #"{"zone": "lobby""#
        try await staff.save(on: s.app.db)
        _ = try await PolicyLoader.bumpVersion(on: s.app.db)

        let (health, codes) = try await HealthFailureTests.health(s) { _, codes in codes.contains("policy.reload_failed") }
        #expect(codes.contains("policy.reload_failed"), "\(health.text)")
        #expect(!health.text.contains("lobby"), "the stored text is not repeated")
        let groups = try await s.send(.GET, "/api/v1/groups", as: admin)
        #expect(groups.status == .internalServerError, "\(groups.status) \(groups.text)")
        #expect(!groups.text.contains("\"grants\":[]") && !groups.text.contains("lobby"))
        #expect(try await s.send(.GET, "/doors", as: admin).status == .internalServerError)

        // Saved again through the API, the group is readable, the policy reloads and /health clears.
        let fixed = try await s.send(.PUT, "/api/v1/groups/staff", as: admin, json: ["name": "社員", "grants": [["zone": "lobby", "schedule": "always"]]])
        #expect(fixed.status == .ok, "\(fixed.text)")
        let (cleared, left) = try await HealthFailureTests.health(s) { _, codes in !codes.contains("policy.reload_failed") }
        #expect(!left.contains("policy.reload_failed"), "\(cleared.text)")
    }

    @Test func aScheduleWithAnUnreadableWindowIsRefusedOnRead() throws {
        #expect(throws: StoredConfigurationError.self) { try ScheduleJSON.decodeRaw(#"{"monday": ["25:00-26:00"]}"#, schedule: "s") }
        #expect(throws: StoredConfigurationError.self) { try ScheduleJSON.decodeRaw(#"{"someday": ["08:00-09:00"]}"#, schedule: "s") }
        #expect(throws: StoredConfigurationError.self) { try ScheduleJSON.decodeRaw("[]", schedule: "s") }
        #expect(try ScheduleJSON.decodeRaw(#"{"monday": ["08:00-09:00"]}"#, schedule: "s") == ["monday": ["08:00-09:00"]])
        #expect(try GrantJSON.decodeList("[]", group: "g").isEmpty, "a group may truly grant nothing")
    }

    /// Seen failing before (`try? decode` in the settings reader): a garbled stored batch layout was read
    /// as "no layout", so the API showed — and a batch would have used — the standard columns. Now it
    /// is a 500 that does not repeat the stored text, until a layout is saved again.
    @Test func aGarbledCardApplicationSettingIsAnErrorNotTheDefault() async throws {
        let s = try await TestServer.start()
        defer { Task { await s.stop() } }
        let hr = try await s.user(.hr)
        try await SettingModel(key: CardApplications.layoutKey, value: #"{"name": "SECRET-LAYOUT", "columns": "#).create(on: s.app.db)
        let read = try await s.send(.GET, "/api/v1/card-batch-layout", as: hr)
        #expect(read.status == .internalServerError, "\(read.status) \(read.text)")
        #expect(!read.text.contains("SECRET-LAYOUT") && !read.text.contains("standard"))
        let campaign = try await s.send(.GET, "/api/v1/card-campaign", as: hr)
        #expect(campaign.status == .ok, "an unrelated setting is still read: \(campaign.text)")
    }
}
