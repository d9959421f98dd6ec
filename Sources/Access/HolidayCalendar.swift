import Foundation

/// Public holidays (国民の祝日・休日), importable from the Cabinet Office CSV (内閣府「国民の祝日について」,
/// `syukujitsu.csv`: a header line, then `YYYY/M/D,name` lines, in Shift_JIS).
public struct HolidayCalendar: Sendable, Hashable, Codable {
    private var names: [CivilDate: String]

    public init(_ holidays: [CivilDate: String] = [:]) { names = holidays }

    /// The holiday's name, or `nil` on an ordinary day.
    public func name(of date: CivilDate) -> String? { names[date] }

    public var count: Int { names.count }

    /// Adds or replaces one holiday.
    public mutating func add(_ date: CivilDate, name: String) { names[date] = name }

    /// All holidays, in date order.
    public var all: [(CivilDate, String)] { names.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }

    /// Parses the Cabinet Office CSV. Accepts Shift_JIS (as published) or UTF-8, CRLF or LF, with or
    /// without the header line.
    ///
    /// - Throws: ``HolidayImportError`` naming the line that is not `date,name`.
    public static func importCSV(_ data: Data) throws -> HolidayCalendar {
        guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .shiftJIS) else {
            throw HolidayImportError.unreadableEncoding
        }
        var calendar = HolidayCalendar()
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\u{FEFF}")))
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", maxSplits: 1).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
            guard fields.count == 2, let date = CivilDate(fields[0]) else {
                if index == 0 { continue }  // the header: 国民の祝日・休日月日,国民の祝日・休日名称
                throw HolidayImportError.malformedLine(index + 1)
            }
            calendar.add(date, name: fields[1])
        }
        return calendar
    }
}

/// Why a holiday CSV could not be imported.
public enum HolidayImportError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadableEncoding
    case malformedLine(Int)

    public var description: String {
        switch self {
        case .unreadableEncoding: return "the file is neither UTF-8 nor Shift_JIS"
        case .malformedLine(let n): return "line \(n) is not `YYYY/M/D,name`"
        }
    }
}
