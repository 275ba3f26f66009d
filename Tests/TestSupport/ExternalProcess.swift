import Foundation
import XCTest

/// Runs a program to its end and returns its exit status and output.
@discardableResult
public func runProgram(_ executable: String, _ arguments: [String], in dir: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let dir { process.currentDirectoryURL = dir }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// The Python that has optuna: $HYPERTOP_PYTHON, else `<package>/.venv/bin/python` (what
/// scripts/test.sh and CI create). Skips the calling test, with a message, when neither has it.
public func optunaPython() throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var candidates: [String] = []
    if let env = ProcessInfo.processInfo.environment["HYPERTOP_PYTHON"], !env.isEmpty { candidates.append(env) }
    candidates.append(root.appendingPathComponent(".venv/bin/python").path)
    for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
        if (try? runProgram(candidate, ["-c", "import optuna"]))?.status == 0 { return candidate }
    }
    throw missingTool("Python optuna not found (set HYPERTOP_PYTHON, or run scripts/install-deps.sh --python)")
}

/// A test's tool is missing: skipped with the message locally, a failure in CI (`CI=true`), where
/// `.ci/run` installs every tool and a skip would hide a missing install step.
public func missingTool(_ message: String, file: StaticString = #filePath, line: UInt = #line) -> Error {
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        XCTFail("\(message) (CI=true: .ci/run must install it)", file: file, line: line)
        return MissingToolInCI(message: message)
    }
    return XCTSkip("\(message): test skipped")
}

struct MissingToolInCI: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A Python of the package's virtual environments that can import `module`.
public func python(in venv: String, importing module: String, install: String) throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let candidate = root.appendingPathComponent("\(venv)/bin/python").path
    if FileManager.default.isExecutableFile(atPath: candidate), (try? runProgram(candidate, ["-c", "import \(module)"]))?.status == 0 {
        return candidate
    }
    throw missingTool("\(module) not found in \(venv) (\(install))")
}
