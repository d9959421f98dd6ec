import Access
import Attendance
import Fluent
import Foundation
import SQLKit

/// Which months' figures have changed, and each month's cached figures.
///
/// The 36協定 checks of a month read the figures of up to 11 months before it, for everyone on the
/// department and everyone pages; computing each of those months again on every page view would cost
/// a whole month report each (seconds for 20,000 people). So a month's figures are kept once computed,
/// with the month's *version* at the time: every write that can change a month's figures — a crossing
/// derived from a door event (also one decided offline and uploaded late), a correction, a purge —
/// raises the version of the months it touches, in the writer's own transaction. Cached figures are
/// used only while their version is still the month's version and they were computed with the same
/// settings and holidays (`context`); anything else is computed again.
///
///     attendance_months(month 'YYYY-MM' unique, version, figures_version, figures_context, figures, figures_at)
public enum AttendanceMonthStore {
    public static let table = "attendance_months"

    /// The months whose reports read a crossing at `minute` (an epoch minute).
    public static func months(touchedAt minute: Int) -> Set<YearMonth> {
        months(touchedOn: JapanTime(EpochMinute.date(minute)).date)
    }

    /// The months whose reports read a crossing on `day` (Japan time). A month's report reads from the
    /// day before the start of the week of its first day (at most 7 days before it, whatever the week
    /// start) to the day after its last (a night shift ending then), see `MonthReport.eventWindow`: so
    /// the months from that of the day before to that of a week later. A crossing in a month's last
    /// week also touches the next month; one on a month's first day, the month before.
    public static func months(touchedOn day: CivilDate) -> Set<YearMonth> {
        var out: Set<YearMonth> = []
        var m = YearMonth(day.adding(days: -1)), last = YearMonth(day.adding(days: 7))
        while m <= last {
            out.insert(m)
            m = m.adding(months: 1)
        }
        return out
    }

    /// Raises the version of `months` (call inside the transaction of the write that changes them).
    /// Months in ascending order, so two writers take the rows' locks in the same order.
    public static func touch(_ months: Set<YearMonth>, on sql: any SQLDatabase) async throws {
        for m in months.sorted() {
            try await sql.raw("""
                INSERT INTO \(ident: table) (month, version) VALUES (\(bind: m.description), 1) \
                ON CONFLICT (month) DO UPDATE SET version = \(ident: table).version + 1
                """).run()
        }
    }

    /// Raises the version of every month up to and including `last` (a purge).
    public static func touch(through last: YearMonth, on sql: any SQLDatabase) async throws {
        try await sql.raw("UPDATE \(ident: table) SET version = version + 1 WHERE month <= \(bind: last.description)").run()
    }

    /// Forgets months before `first` (their records are gone).
    public static func forget(before first: YearMonth, on sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM \(ident: table) WHERE month < \(bind: first.description)").run()
    }

    /// A month's version and what is cached for it.
    public struct State: Sendable {
        /// Raised by every change; 0 for a month never changed since the table was made.
        public var version: Int64
        public var figuresVersion: Int64?
        public var figuresContext: String?
        public var figures: Data?

        /// The cached figures, if they were computed at the current version with `context`.
        public func figures(context: String) -> Data? {
            guard figuresVersion == version, figuresContext == context else { return nil }
            return figures
        }
    }

    public static func state(_ month: YearMonth, on sql: any SQLDatabase) async throws -> State {
        guard let row = try await sql.raw("""
            SELECT version, figures_version, figures_context, figures FROM \(ident: table) WHERE month = \(bind: month.description)
            """).first() else {
            return State(version: 0)
        }
        return State(version: try row.decode(column: "version", as: Int64.self),
                     figuresVersion: try row.decode(column: "figures_version", as: Int64?.self),
                     figuresContext: try row.decode(column: "figures_context", as: String?.self),
                     figures: try row.decode(column: "figures", as: Data?.self))
    }

    /// Keeps `figures` for `month`, computed at `version` with `context`. The month's version is left
    /// as it is: if a change came in the meantime, the figures are already stale and will not be used.
    public static func store(_ month: YearMonth, version: Int64, context: String, figures: Data, at time: Date = Date(), on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO \(ident: table) (month, version, figures_version, figures_context, figures, figures_at) \
            VALUES (\(bind: month.description), \(bind: version), \(bind: version), \(bind: context), \(bind: figures), \(bind: time)) \
            ON CONFLICT (month) DO UPDATE SET figures_version = \(bind: version), figures_context = \(bind: context), \
            figures = \(bind: figures), figures_at = \(bind: time)
            """).run()
    }
}

/// `attendance_months`.
public struct CreateAttendanceMonths: AsyncMigration {
    public init() {}

    public func prepare(on db: any Database) async throws {
        try await db.schema(AttendanceMonthStore.table)
            .field("month", .string, .required)
            .field("version", .int64, .required)
            .field("figures_version", .int64)
            .field("figures_context", .string)
            .field("figures", .data)
            .field("figures_at", .datetime)
            .unique(on: "month")
            .create()
    }

    public func revert(on db: any Database) async throws {
        try await db.schema(AttendanceMonthStore.table).delete()
    }
}
