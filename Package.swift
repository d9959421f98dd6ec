// swift-tools-version:6.0
// MynaGate: a workplace on the My Number card. Module layout and the direction of dependencies
// are explained in docs/ARCHITECTURE.md.
import PackageDescription

let package = Package(
    name: "MynaGate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mynagate", targets: ["mynagate"]),
        .library(name: "MyNumber", targets: ["MyNumber"]),
        .library(name: "SmartCard", targets: ["SmartCard"]),
        .library(name: "MynaCard", targets: ["MynaCard"]),
        .library(name: "MynaCardSim", targets: ["MynaCardSim"]),
        .library(name: "PCSC", targets: ["PCSC"]),
        .library(name: "Trust", targets: ["Trust"]),
        .library(name: "Access", targets: ["Access"]),
        .library(name: "Audit", targets: ["Audit"]),
        .library(name: "DoorProtocol", targets: ["DoorProtocol"]),
        .library(name: "DoorAgent", targets: ["DoorAgent"]),
        .library(name: "Vault", targets: ["Vault"]),
        .library(name: "Attendance", targets: ["Attendance"]),
        .library(name: "CardApplication", targets: ["CardApplication"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.0"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.110.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.12.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.8.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.10.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.30.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.4.0"),
        .package(url: "https://github.com/vapor/leaf-kit.git", from: "1.10.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.20.0"),
        .package(url: "https://github.com/vapor/websocket-kit.git", from: "2.15.0"),
        // Metrics: swift-metrics' API with a Prometheus registry per server (``Metrics``).
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Imported directly by Server, DoorAgent and the command (not only reached through Vapor), so
        // declared: a target names every product it imports.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.25.0"),
    ],
    targets: [
        // Domain: 12-digit individual and 13-digit corporate numbers. No dependencies.
        .target(name: "MyNumber"),
        // ISO 7816-4 APDUs, status words, BER-TLV, the transport protocol. No dependencies.
        .target(name: "SmartCard"),
        // The My Number card's three applications over SmartCard. Certificates are parsed with
        // swift-certificates so the card layer hands out typed X.509 values.
        .target(
            name: "MynaCard",
            dependencies: [
                "MyNumber", "SmartCard",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                // RSA public keys from the card's own 90/91 encoding, to check the text application's
                // integrity record and card-verifiable certificates.
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // A virtual My Number card answering the same APDUs, with its own test JPKI hierarchy.
        .target(
            name: "MynaCardSim",
            dependencies: [
                // MynaCard for the one 和暦/照合番号B helper (JapaneseEra.swift) the card and its clients share.
                "MyNumber", "SmartCard", "MynaCard",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The access-control domain: people, credentials, doors, zones, schedules, the decision. No I/O,
        // no dependencies, so the door decision can be audited and tested alone.
        .target(name: "Access"),
        // The append-only event log's hash chain: sealing and verifying, independent of storage.
        .target(name: "Audit", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The door API's wire types (snapshot, events, heartbeat, push), shared by the server and the door
        // agent so both sides encode the same bytes. Depends on Access only.
        // The snapshot's signature check lives here beside the wire types, so whatever reads a snapshot
        // (the agent, the fuzz target) needs Crypto, not the agent's network stack.
        .target(name: "DoorProtocol", dependencies: ["Access", .product(name: "Crypto", package: "swift-crypto")]),
        // JPKI certificate validation, CRLs and the revocation index, OCSP, challenge-response.
        .target(
            name: "Trust",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Fluent models and migrations (SQLite by default, PostgreSQL for several servers), the policy
        // loader and the event log's storage.
        .target(
            name: "Store",
            dependencies: [
                "Access", "Attendance", "Audit",
                .product(name: "Fluent", package: "fluent"),
                .product(name: "SQLKit", package: "sql-kit"),
            ]
        ),
        // The server's core: configuration, the database and migrations, sessions and roles, CSRF, the one
        // error contract, page rendering and forms, the audited write, health, metrics, the OpenAPI
        // assembly, the card's trust (enrollment, sign-in) and the people, cards and doors it all rests on.
        // A feature module (below) depends on it and on no other feature; what a feature adds to the core
        // (routes, pages, menu entries, messages, views, its part of the OpenAPI document, what happens on
        // enrollment) it hands in through ``ServerFeature``. Declarations a feature uses are `package`.
        .target(
            name: "ServerCore",
            dependencies: [
                "Access", "Attendance", "Audit", "DoorProtocol", "Store", "Trust", "MyNumber", "MynaCard", "SmartCard",
                .product(name: "Leaf", package: "leaf"),
                .product(name: "LeafKit", package: "leaf-kit"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/Views"), .copy("Resources/OpenAPI")]
        ),
        // Access and doors' HTTP side: the building's configuration, door decisions and the door agents'
        // sync (snapshot, events, heartbeat, push), the doors page.
        .target(
            name: "AccessServer",
            dependencies: [
                "ServerCore", "Access", "Audit", "DoorProtocol", "Store", "Trust", "MynaCard",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/Views"), .copy("Resources/OpenAPI")]
        ),
        // The My Number vault's HTTP side (API, pages, the desk's card reading) and the photo-ID checks.
        .target(
            name: "VaultServer",
            dependencies: [
                "ServerCore", "Vault", "Store", "Access", "Audit", "MyNumber", "MynaCard", "SmartCard",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            resources: [.copy("Resources/Views"), .copy("Resources/OpenAPI")]
        ),
        // Working time's HTTP side: the month, the department, alerts, self-reports, settings, the caches
        // and the bulk reads behind them.
        .target(
            name: "AttendanceServer",
            dependencies: [
                "ServerCore", "Attendance", "Store", "Access", "Audit",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            resources: [.copy("Resources/Views"), .copy("Resources/OpenAPI")]
        ),
        // Bulk card applications' HTTP side: the clerk's pages and API, the person's own application.
        .target(
            name: "CardApplicationServer",
            dependencies: [
                "ServerCore", "CardApplication", "Store", "Access", "Audit",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            resources: [.copy("Resources/Views"), .copy("Resources/OpenAPI")]
        ),
        // The assembled server: the core with every feature (``configure(_:config:wrapDatabase:)``).
        .target(
            name: "Server",
            dependencies: [
                "ServerCore", "AccessServer", "VaultServer", "AttendanceServer", "CardApplicationServer",
                .product(name: "Vapor", package: "vapor"),
            ]
        ),
        // The demo organisation: its test CA and virtual cards, the seeding of people, doors, vault,
        // attendance and card-application records, the desk's virtual card files and the simulated
        // doors. `mynagate demo` and the tests use it; the server does not link it.
        .target(
            name: "Demo",
            dependencies: [
                "Server", "ServerCore", "AccessServer", "VaultServer", "AttendanceServer", "CardApplicationServer", "Store", "Access", "Attendance", "Audit", "CardApplication", "Vault", "MynaCard", "MynaCardSim", "SmartCard", "Trust",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            // The Cabinet Office's table of public holidays (syukujitsu.csv), as published: see DemoHolidays.
            resources: [.copy("Resources/syukujitsu.csv")]
        ),
        // The door controller: decides at the door from a signed local snapshot, offline too, and keeps
        // every event in a durable outbox until the server acknowledges it. Deliberately not on Vapor or
        // Fluent: SQLiteNIO for the file, AsyncHTTPClient and WebSocketKit for the server.
        .target(
            name: "DoorAgent",
            dependencies: [
                "Access", "DoorProtocol", "MynaCard", "SmartCard", "Trust",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WebSocketKit", package: "websocket-kit"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The My Number vault's rules: purposes, collection requests, identity verification (番号法16条),
        // envelope encryption under a key-encryption key, purpose-bound use, retention and disposal.
        // No storage or HTTP here; Store and Server keep and serve what it decides.
        .target(name: "Vault", dependencies: ["MyNumber", "Access", .product(name: "Crypto", package: "swift-crypto")]),
        // Working time from door events, the company calendar, overtime as the law counts it, 36協定
        // checks, self-report gaps and SVG charts. Pure: door events in, values out.
        .target(name: "Attendance", dependencies: ["Access"]),
        // Bulk card applications (一括申請): card status, application stages, photo checks, contractor
        // batches (CSV + ZIP), on-site sessions with city staff, reminders. The My Number never enters it.
        .target(name: "CardApplication", dependencies: ["Access"]),
        // PC/SC through libpcsclite loaded at run time (nothing needed to build), and the vpcd bridge.
        .target(name: "PCSC", dependencies: ["SmartCard"]),
        .executableTarget(
            name: "mynagate",
            dependencies: [
                "MyNumber", "SmartCard", "MynaCard", "MynaCardSim", "PCSC", "Trust", "Server", "ServerCore", "AccessServer", "AttendanceServer", "VaultServer", "Demo", "Store", "Audit", "DoorProtocol", "DoorAgent", "Attendance", "Access", "CardApplication", "Vault",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "MyNumberTests", dependencies: ["MyNumber"]),
        .testTarget(name: "SmartCardTests", dependencies: ["SmartCard"]),
        .testTarget(
            name: "MynaCardTests",
            dependencies: [
                "MynaCard", "MynaCardSim", "SmartCard", "MyNumber",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            // Recorded APDU traces replayed as cards (`mynagate card trace`, docs/CARD.md "APDU traces").
            resources: [.copy("Traces")]
        ),
        .testTarget(
            name: "MynaCardSimTests",
            dependencies: [
                "MynaCardSim", "SmartCard",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "PCSCTests", dependencies: ["PCSC", "SmartCard", "MynaCard", "MynaCardSim"]),
        .testTarget(
            name: "TrustTests",
            dependencies: [
                "Trust", "MynaCardSim", "MynaCard", "SmartCard",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            // The real J-LIS roots, read by path (#filePath) like the fuzz corpus.
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "AccessTests", dependencies: ["Access"]),
        .testTarget(name: "AuditTests", dependencies: ["Audit"]),
        .testTarget(name: "DoorProtocolTests", dependencies: ["DoorProtocol", "Access"]),
        .testTarget(
            name: "DoorAgentTests",
            dependencies: [
                "DoorAgent", "DoorProtocol", "Access", "MynaCard", "MynaCardSim", "SmartCard", "Trust",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // Test support only: a database that fails on purpose (the Nth write, a table, a timeout), so
        // tests can show that a failing write loses nothing and is seen. Neither the server nor the
        // command links it.
        .target(
            name: "FaultInjection",
            dependencies: [
                .product(name: "Fluent", package: "fluent"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
            ]
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "ServerCore", "AccessServer", "VaultServer", "AttendanceServer", "CardApplicationServer", "Demo", "Store", "DoorProtocol", "DoorAgent", "MynaCard", "MynaCardSim", "SmartCard", "Trust", "Attendance", "Access", "CardApplication", "Vault", "MyNumber",
                "FaultInjection", "Audit",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "CLITests", dependencies: ["mynagate"]),
        .testTarget(name: "AttendanceTests", dependencies: ["Attendance", "Access"]),
        .testTarget(name: "CardApplicationTests", dependencies: ["CardApplication", "Access"]),
        .testTarget(name: "VaultTests", dependencies: ["Vault", "MyNumber", "Access", .product(name: "Crypto", package: "swift-crypto")]),
    ]
)

// Coverage-guided fuzz targets (libFuzzer), one executable per parser, declared only when
// MYNAGATE_FUZZ is set so a normal build and `swift test` never see them (their entry point is
// libFuzzer's `main`, which exists only under `-sanitize=fuzzer`). `.ci/fuzz` builds and runs them:
//   MYNAGATE_FUZZ=1 swift build --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --product NAME
// Each target's source is Fuzz/Targets/NAME/, its seed corpus Fuzz/Corpus/NAME/ (docs/TESTING.md).
let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    (name: "FuzzBERTLV", dependencies: ["SmartCard"]),
    (name: "FuzzAPDU", dependencies: ["SmartCard"]),
    (name: "FuzzAPDUTraceFile", dependencies: ["SmartCard"]),
    (name: "FuzzMyNumberScanner", dependencies: ["MyNumber"]),
    (name: "FuzzSelfReportCSV", dependencies: ["Attendance", "Access"]),
    (name: "FuzzPhotoHeader", dependencies: ["CardApplication", "Access"]),
    (name: "FuzzCardClient", dependencies: [
        "MynaCard", "MynaCardSim", "SmartCard", "MyNumber", .product(name: "X509", package: "swift-certificates"),
    ]),
    // Trust and door targets (docs/TESTING.md, "Fuzzing: trust and door targets").
    (name: "FuzzDERScanner", dependencies: ["Trust"]),
    (name: "FuzzCRLReader", dependencies: ["Trust", .product(name: "X509", package: "swift-certificates")]),
    (name: "FuzzRevocationIndex", dependencies: ["Trust"]),
    (name: "FuzzOCSPResponse", dependencies: ["Trust", .product(name: "X509", package: "swift-certificates")]),
    (name: "FuzzCertificatePath", dependencies: ["Trust", .product(name: "X509", package: "swift-certificates")]),
    (name: "FuzzDoorSnapshot", dependencies: ["DoorProtocol", .product(name: "Crypto", package: "swift-crypto")]),
    (name: "FuzzDoorEvents", dependencies: ["DoorProtocol"]),
]
if Context.environment["MYNAGATE_FUZZ"] != nil {
    // FuzzSupport: the C trampoline from each target's `<Module>_main` into libFuzzer's driver
    // (Fuzz/Support/FuzzSupport.c says why SwiftPM needs it).
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/Support"))
    // Trust's DER scanner, index checksum and OCSP messages are internal: their targets reach them with
    // `@testable import`, which needs the module compiled for testing (the fuzz build is release).
    for t in package.targets where t.name == "Trust" {
        t.swiftSettings = (t.swiftSettings ?? []) + [.unsafeFlags(["-enable-testing"])]
    }
    for t in fuzzTargets {
        package.targets.append(.executableTarget(name: t.name, dependencies: t.dependencies + ["FuzzSupport"], path: "Fuzz/Targets/\(t.name)"))
    }
}
