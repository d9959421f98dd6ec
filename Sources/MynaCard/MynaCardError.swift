import SmartCard

/// What went wrong talking to a My Number card, in words for the person holding it.
///
/// No case carries a PIN or the My Number. Each has a Japanese (``japaneseMessage``) and an English
/// (``englishMessage``) sentence, since the person at a desk or door may read either.
public enum MynaCardError: Error, Sendable, Hashable {
    /// The PIN was wrong; the card now allows `triesLeft` more tries.
    case wrongPIN(PINKind, triesLeft: Int)
    /// The PIN is blocked; only the city office can reset it.
    case pinBlocked(PINKind)
    /// The PIN does not have the required form; nothing was sent to the card.
    case pinFormatInvalid(PINKind)
    /// One try is left: MynaGate sends the PIN only when the caller confirms (``PINAttempt/confirmedLastTry``).
    case lastTryNeedsConfirmation(PINKind)
    /// The operation needs a PIN verified earlier in the same session (or the card was reset since).
    case verificationRequired(PINKind)
    /// The card left the reader.
    case cardRemoved
    /// The card answers none of the My Number card's applications.
    case notMyNumberCard
    /// The card lacks this application.
    case applicationMissing(MynaApplication)
    /// The card answered with a status this operation does not expect.
    case unexpectedStatus(String, StatusWord)
    /// The card's data is not in the expected form.
    case malformedData(String)
    /// The reader or the link failed.
    case transportFailure(String)

    /// A Japanese sentence for people.
    public var japaneseMessage: String {
        switch self {
        case .wrongPIN(let k, let n): return "\(k.japaneseName)が違います。残り\(n)回です。"
        case .pinBlocked(let k): return "\(k.japaneseName)がロックされています。市区町村の窓口で初期化してください。"
        case .pinFormatInvalid(let k): return "\(k.japaneseName)の形式が正しくありません（\(k.japaneseFormat)）。カードには送信していません。"
        case .lastTryNeedsConfirmation(let k): return "\(k.japaneseName)の残り回数はあと1回です。間違えるとロックされます。確認のうえ再度実行してください。"
        case .verificationRequired(let k): return "先に\(k.japaneseName)の入力が必要です。"
        case .cardRemoved: return "カードが取り外されました。"
        case .notMyNumberCard: return "マイナンバーカードではありません。"
        case .applicationMissing(let a): return "カードに\(a.japaneseName)がありません。"
        case .unexpectedStatus(let op, let sw): return "\(op)でカードが想定外の応答をしました（\(sw)）。"
        case .malformedData(let what): return "カードのデータが読み取れません（\(what)）。"
        case .transportFailure(let m): return "カードリーダーとの通信に失敗しました（\(m)）。"
        }
    }

    /// An English sentence for people.
    public var englishMessage: String {
        switch self {
        case .wrongPIN(let k, let n): return "Wrong \(k.englishName). \(n) \(n == 1 ? "try" : "tries") left."
        case .pinBlocked(let k): return "The \(k.englishName) is blocked. The city office can reset it."
        case .pinFormatInvalid(let k): return "The \(k.englishName) must be \(k.englishFormat). Nothing was sent to the card."
        case .lastTryNeedsConfirmation(let k): return "Only 1 try of the \(k.englishName) is left; a wrong entry blocks it. Confirm to continue."
        case .verificationRequired(let k): return "Enter the \(k.englishName) first."
        case .cardRemoved: return "The card was removed."
        case .notMyNumberCard: return "This is not a My Number card."
        case .applicationMissing(let a): return "The card has no \(a.rawValue) application."
        case .unexpectedStatus(let op, let sw): return "The card answered \(op) with an unexpected status \(sw) (\(sw.meaning))."
        case .malformedData(let what): return "The card's data cannot be read (\(what))."
        case .transportFailure(let m): return "Communication with the reader failed (\(m))."
        }
    }

    init(_ transport: CardTransportError) {
        switch transport {
        case .cardRemoved: self = .cardRemoved
        default: self = .transportFailure(transport.description)
        }
    }
}

extension MynaCardError: CustomStringConvertible {
    public var description: String { englishMessage }
}
