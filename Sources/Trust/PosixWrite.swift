#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `write(2)` from the C library of the platform (Glibc on Linux, Darwin on macOS), named apart because
/// a method called `write` shadows it inside the types that call it. Package-wide (Trust writes CRLs and
/// the revocation index by descriptor, the command its 0600 files), not public API.
@inline(__always)
package func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}
