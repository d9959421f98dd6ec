import Access
import Foundation
import Vapor

/// One link of the menu.
package struct NavItem: Encodable, Sendable {
    package var href: String
    package var label: String
    package var current: Bool
}

/// One menu of the bar (issue 21, item 4): a heading that opens its links (`<details>`, no script),
/// or, when the role sees a single link in it, that link alone.
package struct NavGroup: Encodable, Sendable {
    package var label: String
    package var items: [NavItem]
    /// Holds the page being shown: its heading is marked (the menu stays closed, not covering the page).
    package var current: Bool
    package var single: Bool
}

/// What every template receives: the frame (language, menu, the signed-in person, the CSRF token for
/// forms, a message for the live region) around the page's own data in `page`.
struct PageContext<Body: Encodable & Sendable>: Encodable, Sendable {
    package var lang: String
    package var t: [String: String]
    package var title: String
    package var signedIn: Bool
    package var username: String
    var roleLabel: String
    package var csrf: String
    var nav: [NavGroup]
    var switchHref: String
    var switchLang: String
    package var flash: String?
    package var error: String?
    package var page: Body
}

/// For pages with nothing of their own to show.
package struct NoData: Encodable, Sendable {
    package init() {}
}

/// Menu entries and who sees them; the same role sets as the routes in ``Pages``. Features add their
/// own (``ServerFeature/menu``); ``Entry/order`` places each, so the menu reads the same whichever
/// features a server was assembled from.
package enum PageMenu {
    /// The menus of the bar, in this order; each entry names the one it belongs to, so a feature's
    /// pages join the menu a person looks for them in rather than a bar of 16 links.
    package enum Group: String, Sendable, CaseIterable {
        case overview, people, building, attendance, myNumber, cardApplications, audit, mine
    }

    /// One menu entry: the page, its label's message key, the roles that see it, its menu and its place.
    package struct Entry: Sendable {
        package var path: String
        package var key: String
        package var roles: Set<Role>
        package var group: Group
        /// Lower comes first within its menu. The core's entries are 100, 200 …; a feature picks a place between them.
        package var order: Int

        package init(_ path: String, _ key: String, _ roles: Set<Role>, group: Group, order: Int) {
            (self.path, self.key, self.roles, self.group, self.order) = (path, key, roles, group, order)
        }
    }

    static let coreEntries: [Entry] = [
        Entry("/dashboard", "nav_dashboard", Pages.operations, group: .overview, order: 100),
        Entry("/employees", "nav_employees", Pages.peopleReaders, group: .people, order: 200),
        Entry("/cards", "nav_cards", Pages.cardReaders, group: .people, order: 300),
        Entry("/events", "nav_events", Pages.operations, group: .audit, order: 500),
        Entry("/enroll", "nav_enroll", Pages.desk, group: .people, order: 600),
        Entry("/my/cards", "nav_myCards", Set(Role.allCases), group: .mine, order: 1000),
    ]

    /// The menus `role` sees: only the entries its role may open, each menu in ``Group`` order, and
    /// no menu it would see empty. Signed out: the sign-in and lost-card links.
    package static func groups(_ entries: [Entry], for role: Role?, current: String, lang: PageLanguage) -> [NavGroup] {
        guard let role else {
            return items(entries, for: nil, current: current, lang: lang).map { NavGroup(label: $0.label, items: [$0], current: $0.current, single: true) }
        }
        let visible = entries.filter { $0.roles.contains(role) }
        return Group.allCases.compactMap { g in
            let links = visible.filter { $0.group == g }.sorted { $0.order < $1.order }.map {
                NavItem(href: $0.path, label: Messages.text($0.key, lang), current: current == $0.path || current.hasPrefix($0.path + "/"))
            }
            guard !links.isEmpty else { return nil }
            return NavGroup(label: Messages.text("navGroup_\(g.rawValue)", lang), items: links, current: links.contains(where: \.current), single: links.count == 1)
        }
    }

    package static func items(_ entries: [Entry], for role: Role?, current: String, lang: PageLanguage) -> [NavItem] {
        guard let role else {
            return [NavItem(href: "/", label: Messages.text("nav_signIn", lang), current: current == "/"),
                    NavItem(href: "/lost-card", label: Messages.text("nav_lostCard", lang), current: current.hasPrefix("/lost-card"))]
        }
        return entries.filter { $0.roles.contains(role) }.map {
            NavItem(href: $0.path, label: Messages.text($0.key, lang), current: current == $0.path || current.hasPrefix($0.path + "/"))
        }
    }

    /// Where a person lands after signing in: the first page their role may open.
    static func home(_ entries: [Entry], for role: Role) -> String {
        entries.first { $0.roles.contains(role) }?.path ?? "/my/cards"
    }
}

extension Request {
    /// The page's language (see ``PageLanguage/of(_:)``).
    package var pageLanguage: PageLanguage { PageLanguage.of(self) }

    /// One message in the page's language.
    package func text(_ key: String) -> String { Messages.text(key, pageLanguage) }

    /// Leaves a message for the next page shown to this session (after a redirect).
    package func flash(_ key: String) { session.data["flash"] = key }

    /// Renders `template` inside the frame. Values reach the page only through Leaf's `#()`, which
    /// escapes HTML, so a name like `<script>` is shown, never run.
    ///
    /// - Parameters:
    ///   - switchPath: where the language link goes; defaults to this page for GET requests and to the
    ///     menu's home for pages that answer a POST (a GET there would not repeat the action).
    package func renderPage<Body: Encodable & Sendable>(_ template: String, titleKey: String, _ body: Body, status: HTTPStatus = .ok,
                                                error: String? = nil, message: String? = nil, switchPath: String? = nil) async throws -> Response {
        let lang = pageLanguage
        let user = auth.get(SessionUser.self)
        var flashText = message
        if hasSession, let key = session.data["flash"] {
            session.data["flash"] = nil
            flashText = flashText ?? Messages.text(key, lang)
        }
        let path = url.path.isEmpty ? "/" : url.path
        let context = PageContext(
            lang: lang.rawValue, t: Messages.table(lang), title: Messages.text(titleKey, lang), signedIn: user != nil,
            username: user?.username ?? "", roleLabel: user.map { Messages.text("role_\($0.role.rawValue)", lang) } ?? "",
            csrf: user != nil ? (session.data["csrf"] ?? "") : (AnonymousFormToken.current(self) ?? ""),
            nav: PageMenu.groups(application.features.menu, for: user?.role, current: path, lang: lang),
            switchHref: Self.languageLink(path: switchPath ?? (method == .GET ? path : (user.map { PageMenu.home(application.features.menu, for: $0.role) } ?? "/")),
                                          query: method == .GET && switchPath == nil ? url.query : nil, to: lang.other),
            switchLang: lang.other.rawValue, flash: flashText, error: error, page: body)
        let view = try await self.view.render(template, context).get()
        let res = try await view.encodeResponse(status: status, for: self)
        res.headers.replaceOrAdd(name: .contentType, value: "text/html; charset=utf-8")
        // Pages show personal data: never cached, never framed, nothing loaded from elsewhere.
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        if let cookie = AnonymousFormToken.cookieToSet(self) { res.cookies[AnonymousFormToken.cookieName] = cookie }
        if let lang = PageLanguage.cookieToSet(self) { res.cookies[PageLanguage.cookieName] = lang }
        res.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: "Content-Security-Policy",
                                 value: "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        return res
    }

    /// The same page in the other language, keeping the page's other query parameters (filters).
    static func languageLink(path: String, query: String?, to lang: PageLanguage) -> String {
        var items = URLComponents(string: "?" + (query ?? ""))?.queryItems ?? []
        items.removeAll { $0.name == "lang" }
        items.append(URLQueryItem(name: "lang", value: lang.rawValue))
        var c = URLComponents()
        c.path = path
        c.queryItems = items
        return c.string ?? path
    }

    /// This error as a sentence in the page's language, after a translated prefix: an ``APIError``'s
    /// sentence in that language; a plain `Abort`'s reason as the API gives it (written for people, in
    /// English); anything else as the API renders it (``APIError/init(rendering:)``), never a
    /// library's own text.
    package func errorText(_ error: any Error) -> String {
        let e: APIError
        switch error {
        case let api as APIError: e = api
        case let abort as Abort: return "\(text("errorPrefix")): \(APIError(rendering: abort).english)"
        default: e = APIError(rendering: error)
        }
        return "\(text("errorPrefix")): \(e.text(pageLanguage))"
    }

    /// A redirect that turns a form POST into a GET (303), so reloading does not repeat the action.
    package func seeOther(_ location: String) -> Response {
        redirect(to: location, redirectType: .normal)
    }
}

/// Formats times for people in Japan: the company's time zone, not the server's.
package enum PageTime {
    package static let zone = TimeZone(identifier: "Asia/Tokyo") ?? .current

    package static func show(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: date)
    }

    package static func day(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: date)
    }

    /// Reads an `<input type="datetime-local">` value (`2026-05-01T09:00`, seconds optional) as Japan time.
    package static func parseLocal(_ text: String) -> Date? {
        // The day strictly first (a real day in 1900–2100): a formatter may roll 2026-02-30 over to March.
        guard StrictDate.day(text.prefix(10)) != nil else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd"] {
            f.dateFormat = format
            if let d = f.date(from: text) { return d }
        }
        return nil
    }
}
