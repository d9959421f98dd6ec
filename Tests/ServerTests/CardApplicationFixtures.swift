import Access
import CardApplication
import Fluent
import Store
import Foundation
import ServerCore
import AttendanceServer
import CardApplicationServer
import VaultServer
import Testing
import Vapor

/// Helpers for the card application tests: people made through the API, their sign-ins, generated
/// images, enrollment of an existing person's virtual card, and a reader for the batch ZIP that
/// shares no code with the writer.
enum CardFixture {
    /// Today in Japan, for photo dates.
    static var today: CivilDate { JapanTime(Date()).date }

    /// Creates an employee through the API and signs in an account linked to them.
    static func person(_ s: TestServer, hr: TestServer.Identity, number: String, name: String = "試験 太郎", department: String = "営業部",
                       site: String = "東京") async throws -> (id: String, login: TestServer.Identity) {
        let e = try await s.send(.POST, "/api/v1/employees", as: hr, json: ["employeeNumber": number, "name": name, "department": department, "site": site, "groups": [String]()])
        #expect(e.status == .created, "\(e.text)")
        let id = e.object()["id"] as! String
        return (id, try await s.user(.employee, employee: UUID(uuidString: id)!))
    }

    /// The data form as an employee fills it in.
    static func data(family: String = "山田", given: String = "太郎", kanaFamily: String = "やまだ", kanaGiven: String = "たろう",
                     address: String = "東京都千代田区千代田1-1", formID: String? = nil, route: String? = nil) -> [String: Any] {
        var d: [String: Any] = ["familyName": family, "givenName": given, "familyNameKana": kanaFamily, "givenNameKana": kanaGiven,
                                "birthDate": "1990/4/1", "postalCode": "100-0001", "address": address, "phone": "03-1234-5678",
                                "email": "taro@example.jp"]
        if let formID { d["applicationFormID"] = formID }
        if let route { d["route"] = route }
        return d
    }

    /// A real, decodable JPEG (the sample portrait) taken `daysAgo` days ago, at `width`×`height`.
    static func jpeg(width: Int = 480, height: Int = 616, daysAgo: Int? = 10) -> Data {
        Data(SamplePortrait.jpeg(width: width, height: height, takenAt: daysAgo.map { today.adding(days: -$0) }))
    }

    /// A real PNG (grey, 8-bit RGB, stored deflate blocks) of the right size and proportions: refused
    /// for its format alone.
    static func png(width: Int = 480, height: Int = 616) -> Data {
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let t = Array(type.utf8)
            return be32(UInt32(body.count)) + t + body + be32(crc32(t + body))
        }
        var raw: [UInt8] = []
        for _ in 0..<height { raw += [0] + [UInt8](repeating: 0xC0, count: width * 3) }
        // zlib: header, stored blocks of at most 65,535 bytes, Adler-32.
        var z: [UInt8] = [0x78, 0x01]
        var i = 0
        while i < raw.count {
            let n = min(65_535, raw.count - i)
            z += [i + n == raw.count ? 1 : 0, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            z += raw[i..<(i + n)]
            i += n
        }
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in raw { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        z += be32(b << 16 | a)
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", be32(UInt32(width)) + be32(UInt32(height)) + [8, 2, 0, 0, 0])
                    + chunk("IDAT", z) + chunk("IEND", []))
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    /// Uploads a photo as the API's raw body.
    static func upload(_ s: TestServer, _ who: TestServer.Identity, _ bytes: Data, type: String = "image/jpeg") async throws -> TestServer.Reply {
        try await s.send(.PUT, "/api/v1/me/card-application/photo", as: who, raw: bytes, contentType: type)
    }

    /// Enrolls a fresh virtual card for an existing employee through the real path: a challenge, the
    /// card's PIN over APDUs, its signature, the certificate checked against the test anchors.
    static func enroll(_ s: TestServer, desk: TestServer.Identity, employee: String) async throws {
        let name = try #require(try await EmployeeModel.find(UUID(uuidString: employee), on: s.app.db)).name
        let holder = try CardHolderFixture.make(name: name)
        let done = try await s.enrollCard(holder.card, holder: holder.state.holder, employee: employee, as: desk)
        #expect(done.status == .created, "\(done.text)")
    }

    /// The entries of a ZIP, read from its central directory (stored or not, names in UTF-8).
    static func unzip(_ zip: Data) throws -> [String: Data] {
        let b = [UInt8](zip)
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        guard let eocd = stride(from: b.count - 22, through: 0, by: -1).first(where: { u32($0) == 0x0605_4B50 }) else {
            throw Abort(.internalServerError, reason: "no end of central directory")
        }
        var out: [String: Data] = [:]
        var p = u32(eocd + 16)
        for _ in 0..<u16(eocd + 10) {
            guard u32(p) == 0x0201_4B50 else { throw Abort(.internalServerError, reason: "bad central directory entry") }
            let method = u16(p + 10), crc = UInt32(u32(p + 16)), size = u32(p + 20)
            let nameLen = u16(p + 28), extra = u16(p + 30), comment = u16(p + 32), local = u32(p + 42)
            let name = String(decoding: b[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self)
            guard method == 0 else { throw Abort(.internalServerError, reason: "compressed entry \(name)") }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            let bytes = Array(b[start..<(start + size)])
            guard crc32(bytes) == crc else { throw Abort(.internalServerError, reason: "CRC mismatch in \(name)") }
            out[name] = Data(bytes)
            p += 46 + nameLen + extra + comment
        }
        return out
    }

    /// Runs `unzip -t` on the package when the tool is installed: an independent reader agrees it is whole.
    static func unzipTool(_ zip: Data) throws -> Bool? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip") else { return nil }
        let f = FileManager.default.temporaryDirectory.appendingPathComponent("batch-\(UUID().uuidString).zip")
        try zip.write(to: f)
        defer { try? FileManager.default.removeItem(at: f) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
        p.arguments = ["-tq", f.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    /// CSV lines into cells (quoted cells with commas and doubled quotes handled).
    static func csv(_ text: String) -> [[String]] {
        text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }).map { line in
            var cells: [String] = [], cell = "", quoted = false
            var chars = Array(line)[...]
            while let c = chars.popFirst() {
                if quoted {
                    if c == "\"" { if chars.first == "\"" { cell.append("\""); chars.removeFirst() } else { quoted = false } } else { cell.append(c) }
                } else if c == "\"" { quoted = true } else if c == "," { cells.append(cell); cell = "" } else { cell.append(c) }
            }
            cells.append(cell)
            return cells
        }
    }

    /// The application's stage, as the clerk sees it.
    static func stage(_ s: TestServer, _ hr: TestServer.Identity, _ app: String) async throws -> String {
        try await s.send(.GET, "/api/v1/card-applications/\(app)", as: hr).object()["stage"] as? String ?? "?"
    }
}
