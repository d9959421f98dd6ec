import Access
import Foundation
import Testing
@testable import CardApplication

@Suite struct BatchTests {
    @Test func csvQuotingFollowsRFC4180() {
        #expect(CSVWriter.field("plain") == "plain")
        #expect(CSVWriter.field("a,b") == "\"a,b\"")
        #expect(CSVWriter.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVWriter.field("two\r\nlines") == "\"two\r\nlines\"")
        #expect(CSVWriter.field("lf\nonly") == "\"lf\nonly\"")
        #expect(CSVWriter.text([["a", "b"], ["c,d", ""]]) == "a,b\r\n\"c,d\",\r\n")
    }

    @Test func shiftJISBytes() throws {
        let data = try CSVWriter.encode([["山田", "A,1"]], encoding: .shiftJIS)
        // 山 = 8E 52, 田 = 93 63 in Shift_JIS.
        #expect(Array(data) == [0x8E, 0x52, 0x93, 0x63, 0x2C, 0x22, 0x41, 0x2C, 0x31, 0x22, 0x0D, 0x0A])
        // The WAVE DASH an IME types in "1〜3" becomes Windows-31J's full-width tilde (81 60).
        #expect(Array(try CSVWriter.encode([["1〜3"]], encoding: .shiftJIS)) == [0x31, 0x81, 0x60, 0x33, 0x0D, 0x0A])
        #expect(throws: CSVError.notEncodable(row: 1, column: "氏名", text: "😀")) {
            try CSVWriter.encode([["氏名"], ["😀"]], encoding: .shiftJIS, headers: ["氏名"])
        }
        let utf8 = try CSVWriter.encode([["山"]], encoding: .utf8WithBOM)
        #expect(Array(utf8.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(Array(utf8.dropFirst(3)) == Array("山\r\n".utf8))
    }

    @Test func crc32KnownValue() {
        // The standard check value of CRC-32/ISO-HDLC.
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func case1EndToEnd() throws {
        // Names cannot hold commas or quotes (validation), so the quoting is exercised by a department.
        var apps = [try Fix.reviewedBatchApp("a1", "山田", "太郎"), try Fix.reviewedBatchApp("a2", "佐藤", "花子")]
        let entries = apps.map { BatchEntry(application: $0, photo: Data(Fix.goodPhoto), employeeNumber: "E-\($0.id)", department: "営業部, 第一課") }
        var layout = BatchLayout.standard
        layout.columns.append(BatchColumn(.department, "所属"))
        let package = try ContractorBatchBuilder(layout: layout).build(id: "B1", entries: entries, createdAt: Fix.day(3))

        let csv = String(decoding: package.csv.dropFirst(3), as: UTF8.self)
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0] == "No,申請書ID,氏,名,氏（フリガナ）,名（フリガナ）,生年月日,郵便番号,住所,電話番号,メールアドレス,顔写真ファイル名,所属")
        #expect(lines[1] == "1,12345678901234567890123,山田,太郎,ヤマダ,タロウ,1990/04/01,100-0001,東京都千代田区千代田1-1,03-1234-5678,taro@example.jp,photos/0001.jpg,\"営業部, 第一課\"")
        #expect(lines[2].hasPrefix("2,12345678901234567890123,佐藤,花子,"))
        #expect(lines[2].contains(",photos/0002.jpg,"))
        #expect(lines.count == 4 && lines[3].isEmpty)  // CRLF after the last row too
        #expect(package.fileNames == ["applications.csv", "photos/0001.jpg", "photos/0002.jpg"])
        #expect(package.batch.applications == ["a1", "a2"])

        try verifyWithIndependentTools(package.zip, expecting: package.fileNames, csv: package.csv)

        // Record the batch and the sending on the applications, then follow case 1 to the end.
        var batch = package.batch
        for i in apps.indices { try apps[i].apply(.addToBatch(batch.id), at: Fix.day(3)) }
        try batch.markSent(at: Fix.day(4))
        #expect(throws: BatchError.alreadySent) { try batch.markSent(at: Fix.day(5)) }
        for i in apps.indices { try apps[i].apply(.sentToContractor(batch.id), at: Fix.day(4)) }
        #expect(apps.allSatisfy { $0.stage == .sentToContractor })
        try apps[0].apply(.noticeReceived, at: Fix.day(30))
        try apps[0].apply(.cardReceived, at: Fix.day(35))
        apps.closeOnEnrollment(of: apps[0].employee, at: Fix.day(36))
        #expect(apps[0].stage == .enrolled)
        #expect(apps[0].history.map(\.stage) == [.optedIn, .dataEntered, .dataEntered, .reviewed, .batched, .sentToContractor, .noticeReceived, .cardReceived, .enrolled])
    }

    @Test func shiftJISBatchAndDateStyle() throws {
        var layout = BatchLayout(name: "contractor-x", columns: [BatchColumn(.fullName, "氏名"), BatchColumn(.birthDate, "生年月日"), BatchColumn(.city, "市区町村")], encoding: .shiftJIS, dateStyle: .compact)
        let p = try ContractorBatchBuilder(layout: layout).build(id: "B2", entries: [BatchEntry(application: try Fix.reviewedBatchApp("x1"), photo: Data(Fix.goodPhoto))], createdAt: Fix.day(3))
        #expect(String(data: p.csv, encoding: .shiftJIS) == "氏名,生年月日,市区町村\r\n山田　太郎,19900401,千代田区\r\n")
        #expect(p.csv.first == 0x8E)  // no BOM, Shift_JIS 氏
        layout.includeHeader = false
        let q = try ContractorBatchBuilder(layout: layout).build(id: "B3", entries: [BatchEntry(application: try Fix.reviewedBatchApp("x1"), photo: Data(Fix.goodPhoto))], createdAt: Fix.day(3))
        #expect(String(data: q.csv, encoding: .shiftJIS) == "山田　太郎,19900401,千代田区\r\n")
    }

    @Test func batchRefusesWhatIsNotReady() throws {
        let builder = ContractorBatchBuilder()
        #expect(throws: BatchError.empty) { try builder.build(id: "B", entries: [], createdAt: Fix.day(0)) }
        let notReviewed = ApplicationRecord(id: "n1", employee: "e", route: .contractorBatch, optedInAt: Fix.day(0))
        #expect(throws: BatchError.notReviewed("n1", .optedIn)) {
            try builder.build(id: "B", entries: [BatchEntry(application: notReviewed, photo: Data(Fix.goodPhoto))], createdAt: Fix.day(0))
        }
        let ok = try Fix.reviewedBatchApp("ok")
        #expect(throws: BatchError.duplicate("ok")) {
            try builder.build(id: "B", entries: [BatchEntry(application: ok, photo: Data(Fix.goodPhoto)), BatchEntry(application: ok, photo: Data(Fix.goodPhoto))], createdAt: Fix.day(0))
        }
        #expect(throws: BatchError.photoNotJPEG("ok")) {
            try builder.build(id: "B", entries: [BatchEntry(application: ok, photo: Data(TestImage.png(width: 700, height: 900)))], createdAt: Fix.day(0))
        }
        let onSite = try Fix.reviewedSessionApp("s1", address: "東京都千代田区千代田1-1")
        #expect(throws: BatchError.wrongRoute("s1")) {
            try builder.build(id: "B", entries: [BatchEntry(application: onSite, photo: Data(Fix.goodPhoto))], createdAt: Fix.day(0))
        }
    }

    @Test func zipWithJapaneseNamesPassesUnzip() throws {
        var zip = ZipWriter()
        try zip.add("申請一覧.csv", Data("a,b\r\n".utf8), modified: Fix.day(0))
        try zip.add("写真/0001.jpg", Data(Fix.goodPhoto), modified: Fix.day(0))
        try zip.add("empty.txt", Data(), modified: Fix.day(0))
        #expect(throws: ZipError.duplicateName("empty.txt")) { try zip.add("empty.txt", Data(), modified: Fix.day(0)) }
        #expect(throws: ZipError.badName("../x")) { try zip.add("../x", Data(), modified: Fix.day(0)) }
        try verifyWithIndependentTools(zip.finish(), expecting: ["申請一覧.csv", "写真/0001.jpg", "empty.txt"], csv: Data("a,b\r\n".utf8))
    }

    /// Checks the archive with `python3 -m zipfile -t` (CRCs), reads names and the first file back with
    /// Python's zipfile, and runs `unzip -t` when present. Needs at least one tool; records an issue otherwise.
    func verifyWithIndependentTools(_ zip: Data, expecting names: [String], csv: Data) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cardapp-zip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("batch.zip")
        try zip.write(to: file)
        var ran = 0
        if let python = which("python3") {
            let test = run(python, ["-m", "zipfile", "-t", file.path])
            #expect(test.status == 0, "python zipfile -t: \(test.output)")
            let script = "import zipfile,sys,hashlib\nz=zipfile.ZipFile(sys.argv[1])\nprint('\\n'.join(i.filename for i in z.infolist()))\nprint(z.read(z.infolist()[0]).hex())"
            let listing = run(python, ["-c", script, file.path])
            #expect(listing.status == 0, "\(listing.output)")
            let lines = listing.output.split(separator: "\n").map(String.init)
            #expect(Array(lines.dropLast()) == names)
            #expect(lines.last == csv.map { String(format: "%02x", $0) }.joined())
            ran += 1
        }
        if let unzip = which("unzip") {
            let test = run(unzip, ["-t", file.path])
            #expect(test.status == 0 && test.output.contains("No errors detected"), "unzip -t: \(test.output)")
            ran += 1
        }
        #expect(ran > 0, "neither python3 nor unzip is installed")
    }

    func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    func run(_ tool: String, _ args: [String]) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (-1, "\(error)") }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }
}
