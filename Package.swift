// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hypertop",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hypertop", targets: ["hypertop"]),
        .executable(name: "reach-trainer", targets: ["reach-trainer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        // Pure model: config -> StudySpec, search space, samplers, scores, events. No I/O but reading the config text.
        .target(name: "HyperOpt", dependencies: [.product(name: "Yams", package: "Yams")]),
        // Everything with a side effect: scheduler, launchers, metric tailers, stop files, the store.
        .target(name: "SweepEngine", dependencies: ["HyperOpt", .product(name: "GRDB", package: "GRDB.swift")]),
        // Pure UI: Buffer, layout, widgets, state, update, render.
        .target(name: "DashboardCore", dependencies: ["HyperOpt"]),
        .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        // The only code that calls curses.
        .target(name: "CursesTerminal", dependencies: ["CNcursesw", "DashboardCore", "HyperOpt"]),
        // The bundled demo job's learner (environment, networks, agent), a library so it can be tested.
        .target(name: "ReachLearner"),
        .executableTarget(name: "reach-trainer", dependencies: ["ReachLearner"]),
        // Render time per frame at 10 / 1,000 / 10,000 trials, and a live run for idle-CPU checks.
        .executableTarget(name: "dashboard-bench", dependencies: ["DashboardCore", "CursesTerminal", "HyperOpt"]),
        .executableTarget(
            name: "hypertop",
            dependencies: [
                "HyperOpt", "SweepEngine", "DashboardCore", "CursesTerminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "HyperOptTests", dependencies: ["HyperOpt"]),
        .testTarget(name: "SweepEngineTests", dependencies: ["SweepEngine", "HyperOpt"]),
        .testTarget(name: "DashboardCoreTests", dependencies: ["DashboardCore", "HyperOpt"], exclude: ["Goldens"]),
        .testTarget(name: "ReachLearnerTests", dependencies: ["ReachLearner"]),
        .testTarget(name: "CursesTerminalTests", dependencies: ["CursesTerminal", "DashboardCore", "CNcursesw"]),
    ]
)
