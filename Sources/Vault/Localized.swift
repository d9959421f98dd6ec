/// Text for people in the two languages MynaGate's pages speak (Japanese first, as on the pages).
///
/// Every label and message of the vault conforms, so the server can show `japanese` or `english` after
/// `?lang=` without a table of its own. None of these texts ever contains a number: they are built from
/// fixed phrases, document types, dates and internal ids only.
public protocol Bilingual {
    /// The Japanese text (the pages' default).
    var japanese: String { get }
    /// The English text.
    var english: String { get }
}
