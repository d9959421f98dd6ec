import Foundation
import Vapor

/// A request body type in which some fields may be sent as JSON `null` ("clear this value"), as the
/// OpenAPI document declares with `type: [..., "null"]`. Every other request body refuses `null`.
package protocol NullableRequestFields {
    /// The field names (at any depth of the body) whose value may be `null`.
    static var nullableFields: Set<String> { get }
}

extension Request {
    /// Whether the JSON body's top-level object has `key` at all (with any value, `null` included):
    /// for a field whose absence means "keep" and whose `null` means "clear". A body that is not a JSON
    /// object has no keys.
    package func bodyHasKey(_ key: String) throws -> Bool {
        guard let data = body.data, data.readableBytes > 0 else { return false }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(buffer: data)) } catch {
            throw APIError(.badRequest, code: "body_unreadable", ja: "送信された内容を読み取れません。", en: "the request body could not be read")
        }
        return (object as? [String: Any])?[key] != nil
    }

    /// The request body decoded as `T` — the one way a route reads its body.
    ///
    /// A JSON body is also checked for `null`: Swift decodes `null` into an optional field as if the
    /// field were absent, so `{"encoding": null}` would silently take the default and `{"dryRun": null}`
    /// would run a destructive job for real. A `null` at a field `T` declares is refused (400) unless
    /// `T` lists it in ``NullableRequestFields`` (as the OpenAPI document does with `"null"`); keys `T`
    /// does not declare are ignored whatever they hold, as any unknown key is. The refusal names no
    /// field: the key is the client's text.
    package func decodeBody<T: Decodable>(_ type: T.Type) throws -> T {
        let value: T
        do { value = try content.decode(T.self) } catch let e as DecodingError {
            throw e  // 400 naming at most the field (APIError.decoding)
        } catch let e as any AbortError where e.status != .badRequest {
            throw e  // 413, 415: Vapor's own, with fixed sentences
        } catch {
            // A form or multipart body the parser could not read. Its own words quote the client's text
            // (Vapor's form decoder repeats a malformed key; the multipart parser is not an AbortError at
            // all and would be a 500): a fixed sentence instead, as for any body that does not decode.
            throw APIError(.badRequest, code: "body_unreadable", ja: "送信された内容を読み取れません。", en: "the request body could not be read")
        }
        // Any media type Vapor decodes as JSON (`application/json`, `application/vnd.api+json`, …): the
        // check parses the body itself and leaves bodies that are not JSON (forms) alone.
        if let data = body.data, data.readableBytes > 0 {
            try Self.refuseNull(in: Data(buffer: data), decoded: value, allowing: (T.self as? any NullableRequestFields.Type)?.nullableFields ?? [])
        }
        return value
    }

    /// The body decoded as `T`, or nil when the client sent no body at all — for routes whose body is
    /// optional (`{"dryRun": true}`). A body that is present but does not decode is an error (400 from
    /// ``APIErrorMiddleware``), never read as "no body": a garbled request to a destructive route such as
    /// the vault's disposal run or the attendance purge must not run it with the defaults.
    package func optionalContent<T: Decodable>(_ type: T.Type) throws -> T? {
        guard let body = body.data, body.readableBytes > 0 else { return nil }
        return try decodeBody(T.self)
    }

    /// Throws 400 when `json` holds a `null` at a field the decoded value declares (its stored
    /// properties, which are its coding keys unless the type renames them), outside `allowed` — or as
    /// the whole body. Nested objects and arrays are followed into the values decoded from them.
    static func refuseNull(in json: Data, decoded: Any, allowing allowed: Set<String>) throws {
        // Most bodies hold no `null` at all (every door decision passes here): no second parse for them.
        guard json.range(of: Data("null".utf8)) != nil else { return }
        // The body already decoded as T, so it is JSON; a parser disagreeing on it leaves the check out.
        guard let root = try? JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]) else { return }
        if root is NSNull || holdsRefusedNull(root, in: decoded, allowed: allowed) {
            let ja = "値に null は使えません（値のない項目は省いてください）。"
            let en = "A field is null where this request takes a value; leave the field out instead."
            throw APIError(.badRequest, code: "bad_request", ja: ja, en: en,
                           issues: [.init(field: nil, code: "field_null", messageJa: ja, messageEn: en)])
        }
    }

    private static func holdsRefusedNull(_ json: Any, in value: Any, allowed: Set<String>) -> Bool {
        let mirror = Mirror(reflecting: unwrapped(value))
        switch json {
        case let object as [String: Any]:
            var children: [String: Any] = [:]
            for child in mirror.children {
                guard var label = child.label else { continue }
                if label.hasPrefix("_") { label.removeFirst() }  // a property wrapper's storage
                children[label] = child.value
            }
            for (key, item) in object {
                guard let declared = children[key] else { continue }
                if item is NSNull {
                    if !allowed.contains(key) { return true }
                } else if holdsRefusedNull(item, in: declared, allowed: allowed) {
                    return true
                }
            }
            return false
        case let array as [Any]:
            guard mirror.displayStyle == .collection else { return false }
            let elements = mirror.children.map(\.value)
            for (item, element) in zip(array, elements) where !(item is NSNull) {
                if holdsRefusedNull(item, in: element, allowed: allowed) { return true }
            }
            return false
        default:
            return false
        }
    }

    /// The wrapped value of an optional that holds one; anything else as it is.
    private static func unwrapped(_ value: Any) -> Any {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value ?? value
    }
}

// The request bodies the OpenAPI document lets clear a field with `null` (each feature declares its own).
extension EmployeesController.EmployeeDTO: NullableRequestFields {
    package static var nullableFields: Set<String> { ["site", "status", "groups", "validFrom", "validUntil"] }
}
