#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An array of C `SCARD_READERSTATE` records in raw memory, owning the reader-name C strings it points to.
///
/// Only one thread uses a buffer at a time (the one blocked in SCardGetStatusChange); it is never shared.
final class ReaderStateBuffer {
    let count: Int
    let memory: UnsafeMutableRawPointer
    private var names: [UnsafeMutablePointer<CChar>]

    init(readers: [String]) {
        count = readers.count
        memory = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, readers.count) * ReaderStateLayout.size, alignment: ReaderStateLayout.alignment)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: max(1, readers.count) * ReaderStateLayout.size)
        names = readers.map { strdup($0)! }
        for (i, name) in names.enumerated() {
            record(i).storeBytes(of: UnsafeRawPointer(name), toByteOffset: ReaderStateLayout.reader, as: UnsafeRawPointer.self)
        }
    }

    deinit {
        names.forEach { free($0) }
        memory.deallocate()
    }

    private func record(_ i: Int) -> UnsafeMutableRawPointer { memory + i * ReaderStateLayout.size }

    func currentState(_ i: Int) -> PCSCDword {
        record(i).loadUnaligned(fromByteOffset: ReaderStateLayout.currentState, as: PCSCDword.self)
    }

    func setCurrentState(_ i: Int, _ value: PCSCDword) {
        record(i).storeBytes(of: value, toByteOffset: ReaderStateLayout.currentState, as: PCSCDword.self)
    }

    func eventState(_ i: Int) -> PCSCDword {
        record(i).loadUnaligned(fromByteOffset: ReaderStateLayout.eventState, as: PCSCDword.self)
    }

    func atr(_ i: Int) -> [UInt8] {
        let length = Int(record(i).loadUnaligned(fromByteOffset: ReaderStateLayout.atrLength, as: PCSCDword.self))
        let bytes = UnsafeRawBufferPointer(start: record(i) + ReaderStateLayout.atr, count: SCard.maxATRSize)
        return Array(bytes.prefix(min(length, SCard.maxATRSize)))
    }

    /// Makes the last reported state the known one, so the next call waits for a change from it.
    /// The CHANGED bit is dropped: pcsc-lite compares states with it cleared, and passing it back would
    /// report the same change forever.
    func acknowledge(_ i: Int) {
        setCurrentState(i, eventState(i) & ~SCard.stateChanged)
    }
}
