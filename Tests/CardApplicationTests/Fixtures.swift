import Access
import Foundation
@testable import CardApplication

/// Tiny image files written byte by byte, so the photo checks are tested against known headers.
enum TestImage {
    /// A JPEG: SOI, optional EXIF (APP1), COM padding up to `size` bytes, SOF0, a minimal SOS, EOI.
    static func jpeg(width: Int, height: Int, components: UInt8 = 3, size: Int = 60_000, taken: String? = nil, orientation: Int? = nil, sof: UInt8 = 0xC0) -> [UInt8] {
        var b: [UInt8] = [0xFF, 0xD8]
        if taken != nil || orientation != nil { b += app1(taken: taken, orientation: orientation) }
        var sofSeg: [UInt8] = [0xFF, sof, 0x00, UInt8(8 + 3 * Int(components)), 8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), components]
        for c in 0..<components { sofSeg += [c + 1, 0x11, 0] }
        let tail: [UInt8] = [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x12, 0x34, 0xFF, 0xD9]
        var remaining = size - b.count - sofSeg.count - tail.count
        while remaining > 4 {
            let len = min(remaining - 2, 65_535)
            b += [0xFF, 0xFE, UInt8(len >> 8), UInt8(len & 0xFF)] + [UInt8](repeating: 0x20, count: len - 2)
            remaining -= len + 2
        }
        return b + sofSeg + tail
    }

    /// APP1 "Exif" with a big-endian TIFF: IFD0 {Orientation, ExifIFD pointer}, Exif IFD {DateTimeOriginal}.
    static func app1(taken: String?, orientation: Int?) -> [UInt8] {
        var t: [UInt8] = Array("MM".utf8) + [0x00, 0x2A, 0, 0, 0, 8]
        func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        t += u16(2)
        t += u16(0x0112) + u16(3) + u32(1) + u16(orientation ?? 1) + [0, 0]
        t += u16(0x8769) + u16(4) + u32(1) + u32(38)
        t += u32(0)
        t += u16(1) + u16(0x9003) + u16(2) + u32(20) + u32(56) + u32(0)
        t += Array((taken ?? "    :  :     :  :  ").utf8.prefix(19)) + [0]
        let payload = Array("Exif\0\0".utf8) + t
        return [0xFF, 0xE1] + u16(payload.count + 2) + payload
    }

    static func png(width: Int, height: Int, size: Int = 60_000) -> [UInt8] {
        var b: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        for v in [width, height] { b += [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        b += [8, 2, 0, 0, 0, 0, 0, 0, 0]
        return b + [UInt8](repeating: 0, count: max(0, size - b.count))
    }
}

enum Fix {
    static let today = CivilDate(year: 2026, month: 11, day: 26)
    static let t0 = JapanTime.instant(today, minute: 9 * 60)
    static func day(_ n: Int) -> Date { t0.addingTimeInterval(Double(n) * 86_400) }

    static func draft(_ family: String = "山田", _ given: String = "太郎", address: String = "東京都千代田区千代田1-1", city: String = "") -> ApplicationDraft {
        ApplicationDraft(
            applicationFormID: "１２３４５ ６７８９０ １２３４５ ６７８９０ １２３", familyName: family, givenName: given,
            familyNameKana: "やまだ", givenNameKana: "ﾀﾛｳ", birthDate: "1990/4/1", postalCode: "100-0001",
            address: address, city: city, phone: "03-1234-5678", email: "taro@example.jp")
    }

    static func data(_ family: String = "山田", _ given: String = "太郎", address: String = "東京都千代田区千代田1-1") throws -> ApplicationData {
        try ApplicationDataValidator().validate(draft(family, given, address: address), today: today).get()
    }

    static let goodPhoto = TestImage.jpeg(width: 700, height: 900, taken: "2026:10:01 10:00:00")

    /// A case-1 application taken to `reviewed`.
    static func reviewedBatchApp(_ id: String, _ family: String = "山田", _ given: String = "太郎") throws -> ApplicationRecord {
        var a = ApplicationRecord(id: ApplicationID(rawValue: id), employee: EmployeeID(rawValue: "e-" + id), route: .contractorBatch, optedInAt: day(0))
        try a.apply(.enterData(data(family, given)), at: day(1), by: "employee")
        let report = PhotoValidator().validate(goodPhoto, today: today)
        try a.apply(.attachPhoto(PhotoAttachment(storageKey: "photo-\(id)", report: report)), at: day(1))
        try a.apply(.review, at: day(2), by: "clerk")
        return a
    }

    /// A case-2 application taken to `reviewed`.
    static func reviewedSessionApp(_ id: String, address: String) throws -> ApplicationRecord {
        var a = ApplicationRecord(id: ApplicationID(rawValue: id), employee: EmployeeID(rawValue: "e-" + id), route: .onSiteSession, optedInAt: day(0))
        try a.apply(.enterData(data(address: address)), at: day(1))
        try a.apply(.review, at: day(2))
        return a
    }
}
