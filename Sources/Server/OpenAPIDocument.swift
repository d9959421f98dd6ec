import Foundation

/// The REST API described in OpenAPI 3.1, served at `/openapi.yaml`.
///
/// The document is YAML kept in `Resources/OpenAPI`: `core.yaml` holds the header, the shared
/// components and the core paths, and each feature adds `NAME.schemas.yaml` (component schemas,
/// indented four spaces) and `NAME.paths.yaml` (paths, indented two). The fragments are spliced in at
/// the `#{schemas}` and `#{paths}` markers, in file-name order, so each feature owns its own part and
/// the YAML can be checked by `openapi-spec-validator` without building (`.ci/openapi-assemble`
/// does the same splice). Tests compare the paths with the routes the server registers, validate the
/// document with an independent validator, and check real responses against it (schemathesis).
enum OpenAPIDocument {
    /// The assembled document, read once from the bundle. A build without its resources fails here,
    /// and the route answers 500 with the reason rather than serving a partial document.
    static let assembled: Result<String, any Error> = Result { try assemble(directory: resourceDirectory()) }

    static func yaml() throws -> String { try assembled.get() }

    struct MissingResources: Error, CustomStringConvertible {
        var description: String { "Resources/OpenAPI is not in the server's bundle" }
    }

    static func resourceDirectory() throws -> URL {
        guard let url = Bundle.module.url(forResource: "OpenAPI", withExtension: nil) else { throw MissingResources() }
        return url
    }

    /// Splices the feature fragments into `core.yaml`.
    static func assemble(directory: URL) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        func joined(_ suffix: String) throws -> String {
            try names.filter { $0.hasSuffix(suffix) }.map { name in
                let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                return text.hasSuffix("\n") ? String(text.dropLast()) : text
            }.joined(separator: "\n")
        }
        let core = try String(contentsOf: directory.appendingPathComponent("core.yaml"), encoding: .utf8)
        let schemas = try joined(".schemas.yaml")
        let paths = try joined(".paths.yaml")
        return core.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            switch line {
            case "    #{schemas}": return schemas
            case "  #{paths}": return paths
            default: return String(line)
            }
        }.joined(separator: "\n")
    }
}
