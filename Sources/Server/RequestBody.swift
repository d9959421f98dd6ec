import Foundation
import Vapor

/// A request body type in which some fields may be sent as JSON `null` ("clear this value"), as the
/// OpenAPI document declares with `type: [..., "null"]`. Every other request body refuses `null`.
protocol NullableRequestFields {
    /// The field names (at any depth of the body) whose value may be `null`.
    static var nullableFields: Set<String> { get }
}

extension Request {
    /// The request body decoded as `T` — the one way a route reads its body.
    ///
    /// A JSON body is first checked for `null`: Swift decodes `null` into an optional field as if the
    /// field were absent, so `{"encoding": null}` would silently take the default and `{"dryRun": null}`
    /// would run a destructive job for real. The document declares almost no request field nullable, so
    /// `null` is refused (400) wherever the body's type does not list the field in
    /// ``NullableRequestFields``. The refusal names no field: the key is the client's text.
    func decodeBody<T: Decodable>(_ type: T.Type) throws -> T {
        if let data = body.data, data.readableBytes > 0, content.contentType?.subType == HTTPMediaType.json.subType {
            try Self.refuseNull(in: Data(buffer: data), allowing: (T.self as? any NullableRequestFields.Type)?.nullableFields ?? [])
        }
        return try content.decode(T.self)
    }

    /// The body decoded as `T`, or nil when the client sent no body at all — for routes whose body is
    /// optional (`{"dryRun": true}`). A body that is present but does not decode is an error (400 from
    /// ``APIErrorMiddleware``), never read as "no body": a garbled request to a destructive route such as
    /// the vault's disposal run or the attendance purge must not run it with the defaults.
    func optionalContent<T: Decodable>(_ type: T.Type) throws -> T? {
        guard let body = body.data, body.readableBytes > 0 else { return nil }
        return try decodeBody(T.self)
    }

    /// Throws 400 when `json` holds a `null` at a key outside `allowed` (or as the whole body, or as an
    /// array element). A body that is not JSON at all is left to the decoder, which says so.
    static func refuseNull(in json: Data, allowing allowed: Set<String>) throws {
        guard let root = try? JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]) else { return }
        if Self.holdsRefusedNull(root, key: nil, allowed: allowed) {
            let ja = "値に null は使えません（値のない項目は省いてください）。"
            let en = "A field is null where this request takes a value; leave the field out instead."
            throw APIError(.badRequest, code: "bad_request", ja: ja, en: en,
                           issues: [.init(field: nil, code: "field_null", messageJa: ja, messageEn: en)])
        }
    }

    private static func holdsRefusedNull(_ value: Any, key: String?, allowed: Set<String>) -> Bool {
        switch value {
        case is NSNull:
            return key.map { !allowed.contains($0) } ?? true
        case let object as [String: Any]:
            return object.contains { holdsRefusedNull($0.value, key: $0.key, allowed: allowed) }
        case let array as [Any]:
            // A null element is refused whatever the key: no request field is a list of optionals.
            return array.contains { $0 is NSNull || holdsRefusedNull($0, key: nil, allowed: allowed) }
        default:
            return false
        }
    }
}

// The request bodies the OpenAPI document lets clear a field with `null`.
extension EmployeesController.EmployeeDTO: NullableRequestFields { static var nullableFields: Set<String> { ["site", "status", "groups"] } }
extension ConfigController.ZoneDTO: NullableRequestFields { static var nullableFields: Set<String> { ["workplaceBoundary", "myNumberArea", "antiPassback"] } }
extension ConfigController.DoorDTO: NullableRequestFields { static var nullableFields: Set<String> { ["fromZone", "toZone", "securityLevel"] } }
extension ConfigController.ScheduleDTO: NullableRequestFields { static var nullableFields: Set<String> { ["holidayRule"] } }
extension DecisionsController.DecisionRequest: NullableRequestFields {
    static var nullableFields: Set<String> { ["issuer", "challengeId", "signature", "pinResult", "triesLeft"] }
}
extension VaultService.ProfileInput: NullableRequestFields { static var nullableFields: Set<String> { ["address", "sex"] } }
