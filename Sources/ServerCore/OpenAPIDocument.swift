import Foundation
import Vapor

/// The REST API described in OpenAPI 3.1, served at `/openapi.yaml`.
///
/// The document is YAML kept beside the code it describes: the core's `Resources/OpenAPI/core.yaml`
/// holds the header, the shared components and the core paths, and each feature's bundle adds
/// `NAME.schemas.yaml` (component schemas, indented four spaces) and `NAME.paths.yaml` (paths,
/// indented two). The fragments are spliced in at the `#{schemas}` and `#{paths}` markers, in file-name
/// order, so each feature owns its own part and the YAML can be checked by `openapi-spec-validator`
/// without building (`.ci/openapi-assemble` does the same splice). Tests compare the paths with the
/// routes the server registers, validate the document with an independent validator, and check real
/// responses against it (schemathesis).
enum OpenAPIDocument {
    struct MissingResources: Error, CustomStringConvertible {
        package var description: String { "Resources/OpenAPI is not in the server's bundle" }
    }

    /// The document of a server made of the core (`core`, its bundle) and the features whose bundles are
    /// `features`. A build without its resources gives the error, and the route answers 500 with the
    /// reason rather than serving a partial document.
    package static func assembled(core: Bundle, features: [Bundle]) -> Result<String, any Error> {
        Result {
            guard let coreDirectory = core.url(forResource: "OpenAPI", withExtension: nil) else { throw MissingResources() }
            let featureDirectories = try features.map { bundle in
                guard let url = bundle.url(forResource: "OpenAPI", withExtension: nil) else { throw MissingResources() }
                return url
            }
            return try assemble(core: coreDirectory, features: featureDirectories)
        }
    }

    /// Splices the feature fragments in `features` (directories) into `core`'s `core.yaml`.
    static func assemble(core: URL, features: [URL]) throws -> String {
        let files = try ([core] + features).flatMap { dir in
            try FileManager.default.contentsOfDirectory(atPath: dir.path).map { (name: $0, url: dir.appendingPathComponent($0)) }
        }.sorted { $0.name < $1.name }
        func joined(_ suffix: String) throws -> String {
            try files.filter { $0.name.hasSuffix(suffix) }.map { file in
                let text = try String(contentsOf: file.url, encoding: .utf8)
                return text.hasSuffix("\n") ? String(text.dropLast()) : text
            }.joined(separator: "\n")
        }
        let text = try String(contentsOf: core.appendingPathComponent("core.yaml"), encoding: .utf8)
        let schemas = try joined(".schemas.yaml")
        let paths = try joined(".paths.yaml")
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            switch line {
            case "    #{schemas}": return schemas
            case "  #{paths}": return paths
            default: return String(line)
            }
        }.joined(separator: "\n")
    }
}

extension Application {
    private struct OpenAPIKey: StorageKey { typealias Value = Result<String, any Error> }

    /// This server's API document, assembled at start from the core and its features (``OpenAPIDocument``).
    var openAPI: Result<String, any Error> {
        get { storage[OpenAPIKey.self] ?? .failure(OpenAPIDocument.MissingResources()) }
        set { storage[OpenAPIKey.self] = newValue }
    }
}
