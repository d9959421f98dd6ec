import Testing
import SmartCard
@testable import PCSC

@Suite("PC/SC codes")
struct PCSCErrorTests {
    @Test func namesAndMessages() {
        #expect(PCSCStatus.noService.name == "SCARD_E_NO_SERVICE")
        #expect(PCSCStatus.noService.message == "pcscd is not running")
        #expect(PCSCStatus.noReadersAvailable.name == "SCARD_E_NO_READERS_AVAILABLE")
        #expect(PCSCStatus(rawValue: 0x8010_00FF).name == "0x801000FF")
        #expect(PCSCError.call("SCardEstablishContext", .noService).description
                == "SCardEstablishContext: pcscd is not running (SCARD_E_NO_SERVICE)")
    }

    @Test func mapsToTransportErrors() {
        #expect(PCSCStatus.removedCard.transportError == .cardRemoved)
        #expect(PCSCStatus.noSmartcard.transportError == .cardRemoved)
        #expect(PCSCStatus.timeout.transportError == .timeout)
        if case .readerUnavailable = PCSCStatus.unknownReader.transportError {} else {
            Issue.record("unknown reader should be readerUnavailable")
        }
        #expect(PCSCStatus.sharingViolation.transportError
                == .failure("another program holds the card exclusively (SCARD_E_SHARING_VIOLATION)"))
        #expect(PCSCError.libraryMissing("x").transportError != .cardRemoved)
    }

    /// pcsc-lite's LONG is 64-bit on Linux (codes are positive there), Apple's is 32-bit (negative): the
    /// same code must compare equal either way.
    @Test func normalizesSignedAndUnsignedCodes() {
        #expect(PCSCStatus(PCSCLong(truncatingIfNeeded: Int64(0x8010_001D))) == .noService)
        #expect(PCSCStatus(rawValue: UInt32(bitPattern: Int32(truncatingIfNeeded: 0x8010_0069))) == .removedCard)
    }

    #if os(Linux) && arch(x86_64)
    /// Offsets measured with `offsetof` against pcsc-lite 1.9.9's pcsclite.h on x86_64.
    @Test func readerStateLayoutMatchesPcscLite() {
        #expect(ReaderStateLayout.currentState == 16)
        #expect(ReaderStateLayout.eventState == 24)
        #expect(ReaderStateLayout.atrLength == 32)
        #expect(ReaderStateLayout.atr == 40)
        #expect(ReaderStateLayout.size == 80)
    }
    #endif

    @Test func splitsMultiStrings() {
        let raw: [CChar] = Array("Virtual PCD 00 00\0Virtual PCD 00 01\0\0".utf8).map { CChar(bitPattern: $0) }
        #expect(PCSCContext.splitMultiString(raw) == ["Virtual PCD 00 00", "Virtual PCD 00 01"])
        #expect(PCSCContext.splitMultiString([CChar]([0])) == [])
    }
}
