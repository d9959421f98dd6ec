import Access
import Foundation
import Testing
@testable import CardApplication

@Suite struct PhotoValidationTests {
    let validator = PhotoValidator()

    func codes(_ bytes: [UInt8]) -> [String] { validator.validate(bytes, today: Fix.today).errors.map(\.code) }

    @Test func validPhotoPasses() {
        let report = validator.validate(Fix.goodPhoto, today: Fix.today)
        #expect(report.isAcceptable, "\(report.issues.map(\.code))")
        #expect(report.issues.isEmpty)
        #expect(report.info?.width == 700 && report.info?.height == 900)
        #expect(report.info?.takenAt?.date == CivilDate(year: 2026, month: 10, day: 1))
    }

    @Test func headerIsReadFromEveryFrameType() {
        // Progressive (SOF2) and other SOF markers carry the size in the same place.
        for sof: UInt8 in [0xC1, 0xC2, 0xC3, 0xC9] {
            let info = try? ImageInspector.inspect(TestImage.jpeg(width: 640, height: 820, sof: sof)).get()
            #expect(info?.width == 640 && info?.height == 820, "SOF \(sof)")
        }
    }

    @Test func tooSmallInPixelsAndBytes() {
        #expect(codes(TestImage.jpeg(width: 350, height: 450, taken: "2026:10:01 10:00:00")) == ["photo_too_few_pixels"])
        #expect(codes(TestImage.jpeg(width: 700, height: 900, size: 10_000, taken: "2026:10:01 10:00:00")) == ["photo_file_too_small"])
        #expect(codes(TestImage.jpeg(width: 7000, height: 9000, taken: "2026:10:01 10:00:00")) == ["photo_too_many_pixels"])
    }

    @Test func fileSizeBoundaries() {
        // 20 KB read as 20,480 bytes, 7 MB as 7,000,000 (the stricter readings).
        #expect(codes(TestImage.jpeg(width: 700, height: 900, size: 20_480, taken: "2026:10:01 10:00:00")) == [])
        #expect(codes(TestImage.jpeg(width: 700, height: 900, size: 20_479, taken: "2026:10:01 10:00:00")) == ["photo_file_too_small"])
        #expect(codes(TestImage.jpeg(width: 700, height: 900, size: 7_000_001, taken: "2026:10:01 10:00:00")) == ["photo_file_too_large"])
    }

    @Test func wrongFormatIsNamed() {
        let report = validator.validate(TestImage.png(width: 700, height: 900), today: Fix.today)
        #expect(report.errors.map(\.code) == ["photo_wrong_format"])
        #expect(report.errors.first?.japaneseMessage.contains("PNG") == true)
        #expect(report.errors.first?.englishMessage.contains("PNG") == true)
        var heic = [UInt8](repeating: 0, count: 30_000)
        heic.replaceSubrange(0..<12, with: [0, 0, 0, 0x18] + Array("ftypheic".utf8))
        #expect(ImageFormat.detect(heic) == .heic)
        #expect(codes(heic) == ["photo_wrong_format"])
        var gif = Array("GIF89a".utf8) + [0xBC, 0x02, 0x84, 0x03]
        gif += [UInt8](repeating: 0, count: 30_000)
        #expect(ImageFormat.detect(gif) == .gif)
        #expect((try? ImageInspector.inspect(gif).get())?.width == 700)
        var webp = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBP".utf8)
        webp += [UInt8](repeating: 0, count: 30_000)
        #expect(ImageFormat.detect(webp) == .webp)
    }

    @Test func wrongProportions() {
        #expect(codes(TestImage.jpeg(width: 900, height: 900, taken: "2026:10:01 10:00:00")) == ["photo_wrong_proportions"])
        #expect(codes(TestImage.jpeg(width: 900, height: 700, taken: "2026:10:01 10:00:00")) == ["photo_wrong_proportions"])
        #expect(codes(TestImage.jpeg(width: 600, height: 900, taken: "2026:10:01 10:00:00")) == ["photo_wrong_proportions"])  // 2:3
        #expect(codes(TestImage.jpeg(width: 750, height: 1000, taken: "2026:10:01 10:00:00")) == [])  // 3:4, within 5 %
        #expect(codes(TestImage.jpeg(width: 3500, height: 4500, taken: "2026:10:01 10:00:00")) == [])
    }

    @Test func exifOrientationTurnsAStoredLandscapeIntoPortrait() {
        // Phones store portrait photos landscape with Orientation 6 (rotate 90°).
        let rotated = TestImage.jpeg(width: 900, height: 700, taken: "2026:10:01 10:00:00", orientation: 6)
        #expect(codes(rotated) == [])
        #expect(validator.validate(rotated, today: Fix.today).info?.orientation == 6)
    }

    @Test func ageOfThePhoto() {
        // Today 2026-11-26: six months back is 2026-05-26.
        #expect(codes(TestImage.jpeg(width: 700, height: 900, taken: "2026:05:26 08:00:00")) == [])
        #expect(codes(TestImage.jpeg(width: 700, height: 900, taken: "2026:05:25 23:59:00")) == ["photo_too_old"])
        let old = validator.validate(TestImage.jpeg(width: 700, height: 900, taken: "2025:01:02 10:00:00"), today: Fix.today)
        #expect(old.errors.first?.japaneseMessage.contains("2025-01-02") == true)
        #expect(codes(TestImage.jpeg(width: 700, height: 900, taken: "2027:01:01 00:00:00")) == ["photo_date_in_future"])
        // No date: acceptable, with a notice for the clerk.
        let undated = validator.validate(TestImage.jpeg(width: 700, height: 900), today: Fix.today)
        #expect(undated.isAcceptable)
        #expect(undated.issues.map(\.code) == ["photo_date_unknown"])
        // A blank EXIF date counts as no date.
        #expect(validator.validate(TestImage.jpeg(width: 700, height: 900, taken: "0000:00:00 00:00:00"), today: Fix.today).issues.map(\.code) == ["photo_date_unknown"])
    }

    @Test func cmykIsRefused() {
        #expect(codes(TestImage.jpeg(width: 700, height: 900, components: 4, taken: "2026:10:01 10:00:00")) == ["photo_not_rgb"])
        #expect(codes(TestImage.jpeg(width: 700, height: 900, components: 1, taken: "2026:10:01 10:00:00")) == [])  // greyscale is fine
    }

    @Test func truncatedAndGarbageNeverCrash() {
        let good = Fix.goodPhoto
        // Every prefix of a valid file either reads or fails cleanly.
        var truncatedSeen = false
        for n in stride(from: 0, to: good.count, by: 97) + Array(good.count - 20..<good.count) {
            let report = validator.validate(Array(good.prefix(n)), today: Fix.today)
            if n > 0, n < good.count - 20 { #expect(!report.isAcceptable) }
            if report.errors.contains(where: { $0.code == "photo_truncated" }) { truncatedSeen = true }
        }
        #expect(truncatedSeen)
        #expect(codes([]) == ["photo_empty"])
        #expect(codes([UInt8](repeating: 0x41, count: 30_000)) == ["photo_unreadable"])
        // Random bytes after a JPEG signature, with a fixed seed so a failure can be replayed.
        var rng = SplitMix(seed: 42)
        for _ in 0..<300 {
            var bytes: [UInt8] = [0xFF, 0xD8, 0xFF]
            bytes += (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = validator.validate(bytes, today: Fix.today)
            _ = ImageInspector.inspect(bytes)
        }
        // An EXIF block with offsets pointing far outside the file.
        var evil = Fix.goodPhoto
        if let at = evil.firstIndex(of: 0x87), evil[at + 1] == 0x69 { evil[at + 8] = 0x7F; evil[at + 9] = 0xFF }
        #expect(validator.validate(evil, today: Fix.today).info?.width == 700)
    }

    @Test func messagesInBothLanguages() {
        let report = validator.validate(TestImage.jpeg(width: 300, height: 300, size: 5_000, taken: "2020:01:01 00:00:00"), today: Fix.today)
        #expect(Set(report.errors.map(\.code)) == ["photo_file_too_small", "photo_too_few_pixels", "photo_wrong_proportions", "photo_too_old"])
        for issue in report.issues {
            #expect(!issue.japaneseMessage.isEmpty && !issue.englishMessage.isEmpty)
            #expect(issue.message(in: .english) == issue.englishMessage)
        }
    }
}

/// A small deterministic generator for the garbage test.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
