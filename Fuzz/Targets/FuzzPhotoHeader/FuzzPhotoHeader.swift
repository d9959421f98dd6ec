// libFuzzer target: the photo header reader (Sources/CardApplication/Photo): the format sniffing, the
// JPEG marker walk, the EXIF reader and the validator, on uploaded bytes. Invariants:
// - what the reader reports is possible: the format is the one the signature says, JPEG sizes and
//   components are positive 16-bit and 8-bit values, the orientation is 1…8, the date taken is a real
//   day and minute that prints and re-reads as itself;
// - the reader stops at the frame header: bytes appended after a readable JPEG change nothing but the
//   size;
// - the validator reports what the reader read, counts the bytes it was given, and refuses whatever it
//   could not read.
// Seeds: `MYNAGATE_FUZZ_SEEDS=Fuzz/Corpus .build-fuzz/release/FuzzPhotoHeader` writes the sample
// portrait JPEG (with and without EXIF), its header alone, and PNG and GIF headers.
import Access
import CardApplication
import Foundation
import FuzzSupport

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzPhotoHeader_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    if let root = ProcessInfo.processInfo.environment["MYNAGATE_FUZZ_SEEDS"] { return writeSeeds(root) }
    return mynagate_fuzz_main(argc, argv)
}

private let today = CivilDate(year: 2026, month: 6, day: 1)

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let inspected = ImageInspector.inspect(bytes)
    let format = ImageFormat.detect(bytes)
    switch inspected {
    case .success(let info):
        checkPossible(info, bytes)
        guard info.format == format else { fatalError("format \(info.format) but signature says \(format)") }
        if format == .jpeg {
            // The walk ends at the frame header: what follows it cannot change the reading.
            guard case .success(var longer) = ImageInspector.inspect(bytes + [0xFF, 0xD9, 0x00, 0xFF]) else {
                fatalError("appending bytes after the frame header broke the reading")
            }
            longer.byteCount = info.byteCount
            guard longer == info else { fatalError("appending bytes after the frame header changed the reading") }
        }
    case .failure(let error):
        switch error {
        case .empty: guard bytes.isEmpty else { fatalError("non-empty bytes called empty") }
        case .unrecognised: guard format == .unknown else { fatalError("a known signature called unrecognised") }
        case .truncated, .malformed: guard format == .jpeg || format == .png || format == .gif else { fatalError("\(error) for \(format)") }
        }
    }

    let report = PhotoValidator().validate(bytes, today: today)
    guard report.byteCount == bytes.count else { fatalError("the report counts other bytes") }
    switch inspected {
    case .success(let info):
        guard report.info == info else { fatalError("the validator reports another header than the reader") }
    case .failure:
        guard report.info == nil, !report.isAcceptable else { fatalError("an unreadable file passed") }
    }
    if report.isAcceptable {
        guard format == .jpeg, let size = report.info?.displaySize, size.width >= 480, size.height >= 480 else {
            fatalError("an acceptable photo that breaks the rules")
        }
    }
    // The EXIF date text on its own, as the EXIF reader hands it over.
    if let taken = ExifDateTime(exif: String(decoding: bytes.prefix(40), as: UTF8.self)) { checkPossible(taken) }
    return 0
}

private func checkPossible(_ info: ImageInfo, _ bytes: [UInt8]) {
    guard info.byteCount == bytes.count else { fatalError("byteCount") }
    if info.format == .jpeg {
        guard let w = info.width, let h = info.height, let c = info.components,
              (1...65_535).contains(w), (1...65_535).contains(h), (1...255).contains(c) else {
            fatalError("impossible JPEG frame \(String(describing: info.width))×\(String(describing: info.height))")
        }
    }
    if let w = info.width, let h = info.height, w < 0 || h < 0 || w > Int(UInt32.max) || h > Int(UInt32.max) { fatalError("size") }
    if let o = info.orientation, !(1...8).contains(o) { fatalError("orientation \(o)") }
    if let taken = info.takenAt { checkPossible(taken) }
}

private func checkPossible(_ taken: ExifDateTime) {
    guard (0..<1440).contains(taken.minuteOfDay), (1...9999).contains(taken.date.year) else { fatalError("impossible EXIF time") }
    guard CivilDate("\(taken.date)") == taken.date else { fatalError("EXIF date \(taken.date) does not re-read") }
}

/// Seeds from the module's own sample portrait and from minimal headers of the other formats.
private func writeSeeds(_ root: String) -> CInt {
    let dir = URL(fileURLWithPath: root).appendingPathComponent("FuzzPhotoHeader")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let dated = SamplePortrait.jpeg(width: 480, height: 616, takenAt: CivilDate(year: 2026, month: 4, day: 1), minimumBytes: 0)
    let undated = SamplePortrait.jpeg(width: 35, height: 45, minimumBytes: 0)
    // The dated portrait up to and including its frame header: what the reader actually reads.
    var header = dated
    if let sof = (0..<(dated.count - 1)).first(where: { dated[$0] == 0xFF && dated[$0 + 1] == 0xC0 }) {
        header = Array(dated.prefix(sof + 2 + 17))
    }
    let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        + [0, 0, 0x01, 0xE0, 0, 0, 0x02, 0x68, 8, 2, 0, 0, 0]
    let gif: [UInt8] = Array("GIF89a".utf8) + [0xE0, 0x01, 0x68, 0x02, 0, 0, 0]
    let seeds: [(String, [UInt8])] = [
        ("portrait-exif.jpg", dated), ("portrait-small.jpg", undated), ("portrait-header.jpg", header),
        ("header.png", png), ("header.gif", gif), ("exif-date.txt", Array("2026:04:01 10:00:00\0".utf8)),
    ]
    for (name, bytes) in seeds {
        do { try Data(bytes).write(to: dir.appendingPathComponent(name)) } catch {
            print("cannot write seed \(name): \(error)")
            return 1
        }
    }
    print("wrote \(seeds.count) seeds to \(dir.path)")
    return 0
}
