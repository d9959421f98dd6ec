import Foundation
import Vapor

/// Where a new employee's birth date goes when the employees page is given one: the HR record beyond
/// the employee table is the vault's profile (no number in it), which the core does not know. The
/// vault feature sets ``Application/birthDateStore`` when it registers.
package struct BirthDateStore: Sendable {
    /// Stores `birthDate` (a checked `YYYY-MM-DD`) for `employee`, as the signed-in user of `req`,
    /// with its audit record.
    package var store: @Sendable (_ birthDate: String, _ employee: UUID, _ req: Request) async throws -> Void

    package init(store: @escaping @Sendable (_ birthDate: String, _ employee: UUID, _ req: Request) async throws -> Void) {
        self.store = store
    }
}

extension Application {
    private struct BirthDateStoreKey: StorageKey { typealias Value = BirthDateStore }

    /// See ``BirthDateStore``; nil on a server without the vault, where a birth date is refused.
    package var birthDateStore: BirthDateStore? {
        get { storage[BirthDateStoreKey.self] }
        set { storage[BirthDateStoreKey.self] = newValue }
    }
}
