import Audit
import Access
import Attendance
import Crypto
import Fluent
import Foundation
import SQLKit
import Store
import ServerCore

/// Each earlier month's figures for the 36協定 checks, kept in `attendance_months` once computed (see
/// ``AttendanceMonthStore`` for when they are used and when computed again).
public enum MonthFiguresCache {
    /// Part of every cache key: raise it when the way figures are computed changes, so figures kept by
    /// an older release are not used. 2: double taps are measured between instants (issue 20), which
    /// can change a month's presence, so months kept with version 1 are computed again.
    static let formula = "figures-2"

    /// Below this many people (and fewer than everyone), a month not kept is computed for them alone and
    /// not kept (a person's own page needs no 20,000-person report); from it on, for everyone, and kept.
    static let computeEveryoneFrom = 50

    /// The key of the settings and holidays figures were computed with.
    static func key(settings: AttendanceSettings, holidays: [(String, String)]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var hash = SHA256()
        hash.update(data: Data(formula.utf8))
        hash.update(data: (try? encoder.encode(settings)) ?? Data())
        for (date, name) in holidays.sorted(by: { $0.0 < $1.0 }) { hash.update(data: Data("\n\(date)\t\(name)".utf8)) }
        return hash.finalize().lowercaseHex
    }

    /// Whether a month not kept is computed for everyone (and kept) when `people` ask for it: from
    /// ``computeEveryoneFrom`` people, or when they are everyone.
    static func computesEveryone(for people: [AttendanceService.Person], on db: any Database) async throws -> Bool {
        if people.count >= computeEveryoneFrom { return true }
        return people.count >= (try await EmployeeModel.query(on: db).count())
    }

    /// `month`'s figures for `people`: kept ones if current, else computed — for everyone and kept when
    /// `everyone` (see ``computesEveryone(for:on:)``), else for `people` alone. People with no working
    /// time in the month have no entry.
    static func figures(_ month: YearMonth, people: [AttendanceService.Person], everyone: Bool, context: AttendanceContext, on db: any Database) async throws -> [EmployeeID: MonthFigures] {
        let wanted = Set(people.map(\.id))
        guard let key = context.key, let sql = db as? any SQLDatabase else {
            return try await compute(month, people: people, context: context, on: db)
        }
        let state = try await AttendanceMonthStore.state(month, on: sql)
        if let blob = state.figures(context: key), let all = decode(blob) {
            return all.filter { wanted.contains($0.key) }
        }
        guard everyone else {
            return try await compute(month, people: people, context: context, on: db)
        }
        let all = try await compute(month, people: nil, context: context, on: db)
        do {
            try await AttendanceMonthStore.store(month, version: state.version, context: key, figures: encode(all), on: sql)
        } catch {
            // Another server keeping the same month at the same moment; the figures stand either way.
            db.logger.debug("attendance month figures not kept", metadata: ["month": "\(month)", "error": "\(String(reflecting: type(of: error)))"])
        }
        return all.filter { wanted.contains($0.key) }
    }

    static func compute(_ month: YearMonth, people: [AttendanceService.Person]?, context: AttendanceContext, on db: any Database) async throws -> [EmployeeID: MonthFigures] {
        try await AttendanceService(db: db, events: nil).report(month, people: people, context: context).report.totals.mapValues(MonthFigures.init)
    }

    // MARK: The stored form

    /// "MGF2", a count, then per person: the id's length (2 bytes) and UTF-8 bytes, then overtime,
    /// legal-holiday and worked minutes; all integers little-endian. Compact (20,000 people in about
    /// 1 MB) and read without a decoder.
    static let magic: [UInt8] = Array("MGF2".utf8)

    public static func encode(_ figures: [EmployeeID: MonthFigures]) -> Data {
        var out = Data(magic)
        func int32(_ v: Int) {
            let clamped = Int32(clamping: v).littleEndian
            withUnsafeBytes(of: clamped) { out.append(contentsOf: $0) }
        }
        let entries = figures.sorted { $0.key.rawValue < $1.key.rawValue }
        int32(entries.count)
        for (id, f) in entries {
            // Ids are UUID strings (36 bytes); a longer one is cut only in the unthinkable case of
            // 64 KiB, and then reads back as a different id rather than shifting every later entry.
            let utf8 = Array(id.rawValue.utf8.prefix(Int(UInt16.max)))
            withUnsafeBytes(of: UInt16(utf8.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: utf8)
            int32(f.overtimeMinutes)
            int32(f.holidayMinutes)
            int32(f.workedMinutes)
        }
        return out
    }

    /// The figures in `data`, or `nil` when it is not in the stored form (then they are computed again).
    public static func decode(_ data: Data) -> [EmployeeID: MonthFigures]? {
        let bytes = [UInt8](data)
        guard bytes.count >= 8, Array(bytes[0..<4]) == magic else { return nil }
        var at = 4
        func int32() -> Int? {
            guard at + 4 <= bytes.count else { return nil }
            let v = Int32(bitPattern: UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
            at += 4
            return Int(v)
        }
        guard let count = int32(), count >= 0, count <= bytes.count else { return nil }
        var out: [EmployeeID: MonthFigures] = [:]
        out.reserveCapacity(count)
        for _ in 0..<count {
            guard at + 2 <= bytes.count else { return nil }
            let length = Int(bytes[at]) | Int(bytes[at + 1]) << 8
            at += 2
            guard at + length <= bytes.count, let id = String(bytes: bytes[at..<at + length], encoding: .utf8) else { return nil }
            at += length
            guard let overtime = int32(), let holiday = int32(), let worked = int32() else { return nil }
            out[EmployeeID(rawValue: id)] = MonthFigures(overtimeMinutes: overtime, holidayMinutes: holiday, workedMinutes: worked)
        }
        return at == bytes.count ? out : nil
    }
}
