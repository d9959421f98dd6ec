// libFuzzer target: the My Number scanner (Sources/MyNumber), which reads what people type or paste
// (CSV cells, forms) as UTF-8 bytes. Invariants:
// - a number the scanner accepts passes an independent check-digit computation written here from the
//   ordinance (individual: 総務省令第85号 第5条; corporate: 財務省令第70号 第2条), and never the reverse:
//   a valid number is never refused;
// - for valid UTF-8, the digits and the refusal position agree with an independent reference scanner
//   written here over Unicode scalars;
// - the byte path, the string path and `NumberCheck` give the same verdict;
// - no error text, description or dump of a number shows its digits.
import FuzzSupport
import MyNumber

/// The process entry (Fuzz/Support/FuzzSupport.c says why each target names its own).
@_cdecl("FuzzMyNumberScanner_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mynagate_fuzz_main(argc, argv)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let buffer = UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt8.self), count: count)
    let bytes = Array(buffer)
    let individual = IndividualNumber.validate(buffer)
    let corporate = CorporateNumber.validate(buffer)
    let verdict = NumberCheck.check(buffer)

    // Scanner verdicts against the independent check digits.
    switch individual {
    case .success(let n):
        let d = n.revealDigits()
        guard d.count == 12, d.unicodeScalars.allSatisfy({ (0x30...0x39).contains($0.value) }) else {
            fatalError("an accepted individual number is not 12 ASCII digits")
        }
        let values = d.unicodeScalars.map { Int($0.value) - 0x30 }
        guard referenceIndividualCheckDigit(values) == values[11] else { fatalError("accepted a wrong check digit") }
        guard values.contains(where: { $0 != 0 }) else { fatalError("accepted twelve zeros") }
        guard verdict.isValid, verdict.kind == .individual else { fatalError("NumberCheck disagrees (individual)") }
        guard "\(n)" == IndividualNumber.redactionMarker, !String(reflecting: n).contains(d) else {
            fatalError("an individual number shows its digits")
        }
    case .failure(let error):
        checkErrorText(error, bytes)
        if verdict.kind == .individual || verdict.kind == nil { guard !verdict.isValid else { fatalError("NumberCheck accepted what validate refused") } }
    }
    switch corporate {
    case .success(let n):
        let values = n.digits.unicodeScalars.map { Int($0.value) - 0x30 }
        guard values.count == 13, values.allSatisfy({ (0...9).contains($0) }) else { fatalError("corporate digits") }
        guard referenceCorporateCheckDigit(Array(values.dropFirst())) == values[0] else { fatalError("accepted a wrong corporate check digit") }
        guard verdict.isValid, verdict.kind == .corporate else { fatalError("NumberCheck disagrees (corporate)") }
    case .failure(let error):
        checkErrorText(error, bytes)
        if verdict.kind == .corporate { guard !verdict.isValid else { fatalError("NumberCheck accepted what validate refused") } }
    }

    // The reference scanner, for text that is valid UTF-8.
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    switch (reference(text), individual) {
    case (.digits(let digits), .success(let n)):
        guard digits == n.revealDigits() else { fatalError("the scanner read other digits than the reference") }
    case (.digits(let digits), .failure(let error)):
        let values = digits.unicodeScalars.map { Int($0.value) - 0x30 }
        if values.count == 12, referenceIndividualCheckDigit(values) == values[11], values.contains(where: { $0 != 0 }) {
            fatalError("a valid individual number was refused: \(error)")
        }
        if case .nonDigit = error { fatalError("the scanner refused a character the reference accepts") }
    case (.refused(let position), .failure(let error)):
        guard error == .nonDigit(position: position) else {
            fatalError("refusal position differs: scanner \(error), reference \(position)")
        }
    case (.refused(let position), .success):
        fatalError("the scanner accepted text the reference refuses at \(position)")
    }
    // The String entry points agree with the byte entry points.
    switch (IndividualNumber.check(text), individual) {
    case (.success(let a), .success(let b)): guard a == b else { fatalError("string and byte paths disagree") }
    case (.failure(let a), .failure(let b)): guard a == b else { fatalError("string and byte paths disagree") }
    default: fatalError("string and byte paths disagree")
    }
    return 0
}

/// 総務省令第85号 第5条: Pn is the n-th digit from the right of the first 11, Qn = n + 1 for n ≤ 6 and
/// n − 5 for n ≥ 7; with r = Σ Pn·Qn mod 11 the check digit is 0 when r ≤ 1, else 11 − r.
private func referenceIndividualCheckDigit(_ d: [Int]) -> Int {
    var sum = 0
    for n in 1...11 {
        let p = d[11 - n]
        let q = n <= 6 ? n + 1 : n - 5
        sum += p * q
    }
    let r = sum % 11
    return r <= 1 ? 0 : 11 - r
}

/// 財務省令第70号 第2条: Pn is the n-th digit from the right of the 12 base digits, Qn = 1 for odd n and
/// 2 for even n; the check digit is 9 − (Σ Pn·Qn mod 9).
private func referenceCorporateCheckDigit(_ base: [Int]) -> Int {
    var sum = 0
    for n in 1...12 { sum += base[12 - n] * (n % 2 == 1 ? 1 : 2) }
    return 9 - sum % 9
}

private enum Reference { case digits(String), refused(Int) }

/// What DigitScanner's documentation promises, over Unicode scalars: trim ASCII whitespace, U+3000 and
/// a leading BOM; one pair of surrounding double quotes; inside, digits (ASCII and full-width) and the
/// listed separators. Positions are 1-based scalars, not counting a leading BOM.
private func reference(_ text: String) -> Reference {
    let scalars = Array(text.unicodeScalars)
    func isSpace(_ s: Unicode.Scalar) -> Bool { s == " " || (0x09...0x0D).contains(s.value) }
    var start = 0, end = scalars.count
    while start < end, isSpace(scalars[start]) || scalars[start] == "\u{3000}" || scalars[start] == "\u{FEFF}" { start += 1 }
    while end > start, isSpace(scalars[end - 1]) || scalars[end - 1] == "\u{3000}" { end -= 1 }
    if end - start >= 2, scalars[start] == "\"", scalars[end - 1] == "\"" { start += 1; end -= 1 }
    let bom = scalars.first == "\u{FEFF}" ? 1 : 0
    var digits = ""
    for i in start..<max(start, end) {
        let s = scalars[i]
        switch s.value {
        case 0x30...0x39: digits.unicodeScalars.append(s)
        case 0xFF10...0xFF19: digits.unicodeScalars.append(Unicode.Scalar(s.value - 0xFF10 + 0x30)!)
        case 0x20, 0x2D, 0x09, 0xFF0D, 0x3000, 0x2010...0x2015, 0x2212, 0x30FC, 0xFF70: continue
        default: return .refused(i + 1 - (i >= bom ? bom : 0))
        }
    }
    return .digits(digits)
}

/// An error's texts never contain a run of the input's digits long enough to be a number.
private func checkErrorText(_ error: NumberError, _ bytes: [UInt8]) {
    let digits = String(decoding: bytes.filter { (0x30...0x39).contains($0) }, as: UTF8.self)
    guard digits.count >= 12 else { return }
    for text in [error.message, error.japaneseMessage, error.description, error.code, "\(error)"] {
        let shown = String(text.unicodeScalars.filter { (0x30...0x39).contains($0.value) }.map(Character.init))
        if shown.count >= 12, digits.contains(shown) { fatalError("an error text shows the input's digits") }
    }
}
