// swift-tools-version:6.0
import PackageDescription

// The mixture loops' second build may use AVX2 and FMA (HyperOpt runs it only where the CPU has
// them). Multiplies and adds stay unfused, so it gives the same bits as the first. Optimised in
// every configuration, so that it inlines everything and defines no code another module could
// share (see MixtureLoopsTests).
#if arch(x86_64)
let wideVectors: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell", "-O"])]
#else
let wideVectors: [SwiftSetting] = []
#endif

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
        // TensorBoard's and W&B's protobuf records. The Swift code is generated from Tailing/Proto by
        // scripts/generate-protos.sh with protoc-gen-swift 1.39.0 and committed (the build never runs
        // the plugin); generated code wants the runtime of its own version or a newer one.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // Pure model: config -> StudySpec, search space, samplers, scores, events. No I/O but reading config files
        // (the sweep file, the project's primary config and its groups, the app's @hydra.main line).
        .target(name: "HyperOpt", dependencies: ["ParzenKernels", "ParzenKernelsAVX2", .product(name: "Yams", package: "Yams")]),
        // The loops TPE spends its time in, built twice: for any CPU, and for CPUs with AVX2 (same sources).
        .target(name: "ParzenKernels"),
        .target(name: "ParzenKernelsAVX2", swiftSettings: wideVectors),
        // Everything with a side effect: scheduler, launchers, metric tailers, stop files, the store.
        .target(name: "SweepEngine", dependencies: ["HyperOpt", "JobContract", "CSpawn", .product(name: "GRDB", package: "GRDB.swift"),
                                                   .product(name: "GRDBSQLite", package: "GRDB.swift"),
                                                   .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                // The .proto sources of Tailing/Generated (see scripts/generate-protos.sh).
                exclude: ["Tailing/Proto"]),
        // The names of the environment variables a trial's job gets (the engine sets them, the demo job reads them).
        .target(name: "JobContract"),
        // posix_spawn with a working directory and a process group (see the comment in cspawn.c).
        .target(name: "CSpawn"),
        // Pure UI: Buffer, layout, widgets, state, update, render.
        .target(name: "DashboardCore", dependencies: ["HyperOpt"]),
        // Pure output formats of a study: headless log lines and the end summary, optimization_results.yaml,
        // CSV/JSON export, the report's Markdown and SVG charts, `best`'s overrides, YAML and JSON.
        .target(name: "StudyReports", dependencies: ["HyperOpt", "DashboardCore"]),
        // No pkgConfig: ncursesw.pc adds -D_XOPEN_SOURCE=600, which SwiftPM refuses with a warning on every
        // build; shim.h sets what the wide-character calls need, and the header path is the system's.
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncursesw5-dev"])]),
        // The only code that calls curses.
        .target(name: "CursesTerminal", dependencies: ["CNcursesw", "DashboardCore", "HyperOpt"]),
        // The bundled demo job's learner (environment, networks, agent), a library so it can be tested.
        .target(name: "ReachLearner", dependencies: ["JobContract", .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "reach-trainer", dependencies: ["ReachLearner"]),
        // Render time per frame at 10 / 1,000 / 10,000 trials, and a live run for idle-CPU checks.
        .executableTarget(name: "dashboard-bench", dependencies: ["DashboardCore", "CursesTerminal", "HyperOpt"]),
        // Store benchmark (Benchmarks/store.sh): cost per trial and metric row, time to open a big study.
        .executableTarget(name: "store-bench", dependencies: ["SweepEngine", "HyperOpt"]),
        // Sampler benchmark (quality and cost), run next to Optuna by Benchmarks/sampler.sh.
        // ... and the cost of measuring what running trials use (Benchmarks/usage.sh).
        .executableTarget(name: "hypertop-bench", dependencies: ["HyperOpt", "SweepEngine", "JobContract"]),
        .executableTarget(
            name: "hypertop",
            dependencies: [
                "HyperOpt", "SweepEngine", "JobContract", "DashboardCore", "CursesTerminal", "CSpawn", "StudyReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Inputs and probes the test targets share (a scripted sampler, a process-group probe).
        .target(name: "TestSupport", dependencies: ["HyperOpt"], path: "Tests/TestSupport"),
        .testTarget(name: "HyperOptTests", dependencies: ["HyperOpt", "ParzenKernels", "ParzenKernelsAVX2", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "SweepEngineTests", dependencies: ["SweepEngine", "HyperOpt", "StudyReports", "TestSupport"], exclude: ["Fixtures"]),
        // The output formats, from studies built in the test: headless lines, results YAML, export.
        .testTarget(name: "StudyReportsTests", dependencies: ["StudyReports", "HyperOpt", "TestSupport"]),
        .testTarget(name: "DashboardCoreTests", dependencies: ["DashboardCore", "HyperOpt"], exclude: ["Goldens"]),
        .testTarget(name: "ReachLearnerTests", dependencies: ["ReachLearner"]),
        // A real curses screen on /dev/null, and the runner in tmux (needs dashboard-bench built; `swift test` does).
        .testTarget(name: "CursesTerminalTests", dependencies: ["CursesTerminal", "DashboardCore", "CNcursesw", "TestSupport"]),
        // Runs the built `hypertop` binary end to end (it must be built first; `swift test` does).
        .testTarget(name: "HypertopCLITests", dependencies: ["TestSupport"], exclude: ["Fixtures"]),
    ]
)
