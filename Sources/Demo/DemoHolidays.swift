import Access
import Foundation

/// The public holidays the demo loads: the Cabinet Office's whole published table.
///
/// `Resources/syukujitsu.csv` is 内閣府「国民の祝日について」's CSV (https://www8.cao.go.jp/chosei/shukujitsu/syukujitsu.csv,
/// Shift_JIS, `YYYY/M/D,name`) as published in its February 2026 update — 1,067 holidays from 1 January
/// 1955 to 23 November 2027 — byte for byte as kept in the public repository shogo82148/holidays-jp
/// (commit 7a6c69d, 2 February 2026, which mirrors the Cabinet Office's file; md5
/// 733fabb6b488794a0cd3d94df4b1f24a). Government data, usable under 政府標準利用規約 (第2.0版), which
/// asks for the source to be named, as here. An administrator loads the current file the same way through
/// `POST /api/v1/holidays/import`; the demo reads the copy so that it needs no network.
public enum DemoHolidays {
    /// The bundled table, read by the same importer as the API's holiday import.
    public static func table() throws -> HolidayCalendar {
        guard let url = Bundle.module.url(forResource: "syukujitsu", withExtension: "csv") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "syukujitsu.csv is not in the demo's bundle"])
        }
        return try HolidayCalendar.importCSV(try Data(contentsOf: url))
    }
}
