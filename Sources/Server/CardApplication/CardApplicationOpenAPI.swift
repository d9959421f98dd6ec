/// The CardApplication part of the OpenAPI document (appended to ``OpenAPIDocument/yaml``'s paths).
enum CardApplicationOpenAPI {
    static let paths = ""
}
