#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// PC/SC's C types, sized per platform. pcsc-lite (Linux, BSD) uses `unsigned long`/`long` for DWORD and
// LONG, so both are 8 bytes on 64-bit Linux; Apple's PCSC.framework uses 32-bit `uint32_t`/`int32_t`.
// Source: pcsc-lite `wintypes.h` and `pcsclite.h` (1.9.9), Apple PCSC.framework `wintypes.h`.
#if os(macOS)
/// PC/SC `DWORD` on this platform.
typealias PCSCDword = UInt32
/// PC/SC `LONG` (also `SCARDCONTEXT` and `SCARDHANDLE`) on this platform.
typealias PCSCLong = Int32
#else
typealias PCSCDword = UInt
typealias PCSCLong = Int
#endif

/// libpcsclite (or Apple's PCSC.framework) opened with `dlopen`, with the functions MynaGate calls.
///
/// Loading at run time keeps the package buildable with the Swift toolchain alone: no headers, no
/// library to link. A machine without PC/SC still runs every other command and gets
/// ``PCSCError/libraryMissing(_:)`` only when it asks for a reader.
final class PCSCLibrary: @unchecked Sendable {
    // @unchecked: every stored property is an immutable C function pointer into a library that is
    // never closed, so sharing across threads is safe; C function types are not marked Sendable.

    typealias EstablishContext = @convention(c) (PCSCDword, UnsafeRawPointer?, UnsafeRawPointer?,
                                                 UnsafeMutablePointer<PCSCLong>?) -> PCSCLong
    typealias ReleaseContext = @convention(c) (PCSCLong) -> PCSCLong
    typealias ListReaders = @convention(c) (PCSCLong, UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?,
                                            UnsafeMutablePointer<PCSCDword>?) -> PCSCLong
    typealias GetStatusChange = @convention(c) (PCSCLong, PCSCDword, UnsafeMutableRawPointer?, PCSCDword) -> PCSCLong
    typealias Cancel = @convention(c) (PCSCLong) -> PCSCLong
    typealias Connect = @convention(c) (PCSCLong, UnsafePointer<CChar>?, PCSCDword, PCSCDword,
                                        UnsafeMutablePointer<PCSCLong>?, UnsafeMutablePointer<PCSCDword>?) -> PCSCLong
    typealias Reconnect = @convention(c) (PCSCLong, PCSCDword, PCSCDword, PCSCDword,
                                          UnsafeMutablePointer<PCSCDword>?) -> PCSCLong
    typealias Disconnect = @convention(c) (PCSCLong, PCSCDword) -> PCSCLong
    typealias BeginTransaction = @convention(c) (PCSCLong) -> PCSCLong
    typealias EndTransaction = @convention(c) (PCSCLong, PCSCDword) -> PCSCLong
    typealias Status = @convention(c) (PCSCLong, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<PCSCDword>?,
                                       UnsafeMutablePointer<PCSCDword>?, UnsafeMutablePointer<PCSCDword>?,
                                       UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<PCSCDword>?) -> PCSCLong
    typealias Transmit = @convention(c) (PCSCLong, UnsafeRawPointer?, UnsafePointer<UInt8>?, PCSCDword,
                                         UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?,
                                         UnsafeMutablePointer<PCSCDword>?) -> PCSCLong

    let establishContext: EstablishContext
    let releaseContext: ReleaseContext
    let listReaders: ListReaders
    let getStatusChange: GetStatusChange
    let cancel: Cancel
    let connect: Connect
    let reconnect: Reconnect
    let disconnect: Disconnect
    let beginTransaction: BeginTransaction
    let endTransaction: EndTransaction
    let status: Status
    let transmit: Transmit

    /// Where the library is looked for, in order. The versioned Linux name comes first because the
    /// unversioned `.so` link exists only when the -dev package is installed.
    static let candidatePaths: [String] = {
        #if os(macOS)
        return ["/System/Library/Frameworks/PCSC.framework/PCSC"]
        #else
        return ["libpcsclite.so.1", "libpcsclite.so"]
        #endif
    }()

    /// The library, opened on first use and kept for the life of the process.
    static let shared: Result<PCSCLibrary, PCSCError> = load()

    private init(handle: UnsafeMutableRawPointer) throws(PCSCError) {
        func symbol<T>(_ name: String, as type: T.Type) throws(PCSCError) -> T {
            guard let pointer = dlsym(handle, name) else { throw .symbolMissing(name) }
            return unsafeBitCast(pointer, to: type)
        }
        establishContext = try symbol("SCardEstablishContext", as: EstablishContext.self)
        releaseContext = try symbol("SCardReleaseContext", as: ReleaseContext.self)
        // pcsc-lite exports the plain names; Apple's framework too. Windows' A/W suffixes do not apply.
        listReaders = try symbol("SCardListReaders", as: ListReaders.self)
        getStatusChange = try symbol("SCardGetStatusChange", as: GetStatusChange.self)
        cancel = try symbol("SCardCancel", as: Cancel.self)
        connect = try symbol("SCardConnect", as: Connect.self)
        reconnect = try symbol("SCardReconnect", as: Reconnect.self)
        disconnect = try symbol("SCardDisconnect", as: Disconnect.self)
        beginTransaction = try symbol("SCardBeginTransaction", as: BeginTransaction.self)
        endTransaction = try symbol("SCardEndTransaction", as: EndTransaction.self)
        status = try symbol("SCardStatus", as: Status.self)
        transmit = try symbol("SCardTransmit", as: Transmit.self)
    }

    private static func load() -> Result<PCSCLibrary, PCSCError> {
        for path in candidatePaths {
            guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else { continue }
            do {
                return .success(try PCSCLibrary(handle: handle))
            } catch {
                return .failure(error)
            }
        }
        return .failure(.libraryMissing(candidatePaths.joined(separator: ", ")))
    }

    /// The opened library, or the reason it cannot be used.
    static func get() throws(PCSCError) -> PCSCLibrary {
        try shared.get()
    }
}

/// Constants from pcsc-lite's `pcsclite.h` (the same values in Apple's framework and in WinSCard).
enum SCard {
    static let scopeSystem: PCSCDword = 0x0002
    static let shareExclusive: PCSCDword = 0x0001
    static let shareShared: PCSCDword = 0x0002
    static let protocolT0: PCSCDword = 0x0001
    static let protocolT1: PCSCDword = 0x0002
    static let protocolRaw: PCSCDword = 0x0004
    static let leaveCard: PCSCDword = 0x0000
    static let resetCard: PCSCDword = 0x0001
    static let unpowerCard: PCSCDword = 0x0002
    /// `INFINITE` timeout for SCardGetStatusChange.
    static let infinite: PCSCDword = 0xFFFF_FFFF
    static let maxATRSize = 33

    static let stateUnaware: PCSCDword = 0x0000
    static let stateChanged: PCSCDword = 0x0002
    static let stateUnknown: PCSCDword = 0x0004
    static let stateUnavailable: PCSCDword = 0x0008
    static let stateEmpty: PCSCDword = 0x0010
    static let statePresent: PCSCDword = 0x0020
    static let stateExclusive: PCSCDword = 0x0080
    static let stateInUse: PCSCDword = 0x0100
    static let stateMute: PCSCDword = 0x0200
}

/// Byte offsets of `SCARD_READERSTATE`, which is passed as raw memory because Swift does not promise a
/// C layout for its own structs.
///
/// pcsc-lite: `{ const char *szReader; void *pvUserData; DWORD dwCurrentState; DWORD dwEventState;
/// DWORD cbAtr; unsigned char rgbAtr[33]; }` with natural alignment, so on 64-bit Linux the offsets are
/// 0, 8, 16, 24, 32, 40 and the size is 80 (73 rounded up to 8; checked against pcsclite.h 1.9.9 with
/// `offsetof`). Apple's framework declares the same struct under `#pragma pack(1)` with 4-byte DWORDs:
/// 0, 8, 16, 20, 24, 28, size 61.
enum ReaderStateLayout {
    static let reader = 0
    static let userData = MemoryLayout<UnsafeRawPointer>.size
    static let currentState = 2 * MemoryLayout<UnsafeRawPointer>.size
    static let eventState = currentState + MemoryLayout<PCSCDword>.size
    static let atrLength = eventState + MemoryLayout<PCSCDword>.size
    static let atr = atrLength + MemoryLayout<PCSCDword>.size
    static let size: Int = {
        let unpadded = atr + SCard.maxATRSize
        #if os(macOS)
        return unpadded
        #else
        let align = max(MemoryLayout<UnsafeRawPointer>.alignment, MemoryLayout<PCSCDword>.alignment)
        return (unpadded + align - 1) / align * align
        #endif
    }()
    static let alignment = max(MemoryLayout<UnsafeRawPointer>.alignment, MemoryLayout<PCSCDword>.alignment)
}
