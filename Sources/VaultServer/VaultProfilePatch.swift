import ServerCore
import Store
import Vapor

extension VaultService {
    /// One field of a merge patch (RFC 7396): left out, null (cleared) or a value.
    public enum PatchField: Sendable, Equatable {
        case keep
        case clear
        case set(String)

        func applied(to current: String?) -> String? {
            switch self {
            case .keep: current
            case .clear: nil
            case .set(let v): v
            }
        }
    }

    /// A partial profile change (`PATCH …/vault/employees/{id}/profile`): only the fields present in the
    /// body change; `null` or an empty string clears one. Decoded by hand because `String?` cannot tell
    /// a field left out from a field sent as null, and that difference is the whole point.
    public struct ProfilePatch: Content, Sendable {
        public var address: PatchField = .keep
        public var birthDate: PatchField = .keep
        public var sex: PatchField = .keep
        public var leavingDate: PatchField = .keep

        public init(address: PatchField = .keep, birthDate: PatchField = .keep, sex: PatchField = .keep, leavingDate: PatchField = .keep) {
            self.address = address
            self.birthDate = birthDate
            self.sex = sex
            self.leavingDate = leavingDate
        }

        enum Keys: String, CodingKey { case address, birthDate, sex, leavingDate }

        /// Any key of the body, to find the ones a patch does not know.
        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public init(from decoder: any Decoder) throws {
            // A misspelt field would otherwise change nothing and answer 200: refused, as is an empty patch.
            let all = try decoder.container(keyedBy: AnyKey.self).allKeys
            guard !all.isEmpty, all.allSatisfy({ Keys(stringValue: $0.stringValue) != nil }) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a profile patch names one or more of address, birthDate, sex, leavingDate, and nothing else"))
            }
            let c = try decoder.container(keyedBy: Keys.self)
            func field(_ k: Keys) throws -> PatchField {
                guard c.contains(k) else { return .keep }
                if try c.decodeNil(forKey: k) { return .clear }
                return .set(try c.decode(String.self, forKey: k))
            }
            address = try field(.address)
            birthDate = try field(.birthDate)
            sex = try field(.sex)
            leavingDate = try field(.leavingDate)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            for (k, f) in [(Keys.address, address), (.birthDate, birthDate), (.sex, sex), (.leavingDate, leavingDate)] {
                switch f {
                case .keep: break
                case .clear: try c.encodeNil(forKey: k)
                case .set(let v): try c.encode(v, forKey: k)
                }
            }
        }

        /// The whole profile this patch makes of the stored one (which may not exist yet).
        func applied(to m: VaultProfileModel?) -> ProfileInput {
            ProfileInput(address: address.applied(to: m?.address), birthDate: birthDate.applied(to: m?.birthDate),
                         sex: sex.applied(to: m?.sex), leavingDate: leavingDate.applied(to: m?.leavingDate))
        }
    }
}

extension VaultService.ProfilePatch: NullableRequestFields { package static var nullableFields: Set<String> { ["address", "birthDate", "sex", "leavingDate"] } }
