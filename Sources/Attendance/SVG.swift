import Foundation

/// Minimal SVG building: strings only, every text and attribute escaped, so charts are rendered on
/// the server with no JavaScript and a name like `<script>` or `O'Brien & Co` is shown, never run.
public enum SVG {
    /// Escapes `&`, `<`, `>`, `"` and `'` for text and attribute values; drops characters XML 1.0
    /// does not allow (control characters other than tab, LF, CR), which would make the file invalid.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if u.value < 0x20, u != "\t", u != "\n", u != "\r" { continue }
                if u.value == 0xFFFE || u.value == 0xFFFF { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A number for an attribute: at most one decimal, no locale.
    public static func n(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// A rectangle; with `title`, a tooltip (escaped here).
    public static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, extra: String = "", title: String? = nil) -> String {
        let head = "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(h))\" fill=\"\(fill)\"\(extra)"
        guard let title else { return head + "/>" }
        return head + "><title>\(escape(title))</title></rect>"
    }

    public static func text(_ x: Double, _ y: Double, _ s: String, size: Int = 11, anchor: String = "start", extra: String = "") -> String {
        "<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\"\(extra)>\(escape(s))</text>"
    }

    public static func open(width: Double, height: Double, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" font-family=\"sans-serif\"><title>\(escape(title))</title>"
    }

    static let weekdayJa = ["日", "月", "火", "水", "木", "金", "土"]
    static func hm(_ minutes: Int) -> String { String(format: "%d:%02d", minutes / 60, minutes % 60) }
}
