import Foundation
import Vapor

/// One feature's HTTP side (the vault, attendance, card applications), as the core sees it.
///
/// A feature lives in a module of its own beside its domain module. It depends on `ServerCore` and on
/// no other feature; the core knows it only through this protocol, and the `Server` module lists the
/// features the product is assembled from. Everything a feature adds to the server goes through here,
/// so adding one never means editing the core: its routes and pages (``register(_:)``), its menu
/// entries and page texts, its Leaf templates and its part of the OpenAPI document (``resources``).
package protocol ServerFeature {
    /// The feature's page texts in Japanese and English, merged into ``Messages/catalogue``.
    static var messages: [String: (ja: String, en: String)] { get }
    /// The feature's menu entries; they take their place in the menu by ``PageMenu/Entry/order``.
    static var menu: [PageMenu.Entry] { get }
    /// Where the feature's templates (`Views`) and OpenAPI fragments (`OpenAPI`) are: the feature's
    /// resource bundle (`Bundle.module`, which only the feature's own module can name). Both must be
    /// there.
    static var resources: Bundle { get }
    /// Loads what the feature needs before the server answers (keys, files), once the database, the
    /// state and the event log are there and before the policy is first loaded. A failure stops the
    /// server. Most features need nothing here.
    static func prepare(_ app: Application) async throws
    /// Registers the feature's routes, pages and hooks, once the core is configured (the state, the
    /// database and the middleware are in place).
    static func register(_ app: Application) throws
}

extension ServerFeature {
    package static func prepare(_ app: Application) async throws {}
}

/// The features a server was assembled from, and what they added, kept on the application.
package struct ServerFeatures: Sendable {
    package var menu: [PageMenu.Entry] = PageMenu.coreEntries
    var bundles: [Bundle] = []

    package init() {}
}

extension Application {
    private struct FeaturesKey: StorageKey { typealias Value = ServerFeatures }

    /// The assembled features' menu and resources (``ServerFeatures``); the core's alone until
    /// ``addFeature(_:)`` is called.
    package var features: ServerFeatures {
        get { storage[FeaturesKey.self] ?? ServerFeatures() }
        set { storage[FeaturesKey.self] = newValue }
    }

    /// Adds a feature's texts, menu entries and resources (its routes come later, from
    /// ``ServerFeature/register(_:)``). A feature whose bundle lacks its templates or its part of the API
    /// document, or whose texts clash with texts already there, stops the server: a feature that
    /// started without them would serve pages or an API document with parts silently missing.
    func addFeature(_ feature: any ServerFeature.Type) throws {
        for directory in ["Views", "OpenAPI"] where feature.resources.url(forResource: directory, withExtension: nil) == nil {
            throw ConfigurationError("\(feature)'s bundle has no \(directory)")
        }
        try Messages.add(feature.messages)
        var f = features
        f.menu = (f.menu + feature.menu).sorted { $0.order < $1.order }
        f.bundles.append(feature.resources)
        features = f
    }
}
