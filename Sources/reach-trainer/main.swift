import Foundation
import ReachLearner

#if os(Linux)
// Every gradient step allocates and frees about a megabyte of batch arrays; glibc would hand that back
// to the kernel each time and fault it in again (a fifth of the run time). Keep it: raise the trim
// threshold. Glibc's module does not export <malloc.h>, hence the direct declaration.
@_silgen_name("mallopt") func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
let mallocTrimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
_ = mallopt(mallocTrimThreshold, 256 << 20)
#endif

let status = TrainerCommand.main(
    arguments: Array(CommandLine.arguments.dropFirst()),
    environment: ProcessInfo.processInfo.environment,
    currentDirectory: FileManager.default.currentDirectoryPath,
    standardOutput: { FileHandle.standardOutput.write(Data($0.utf8)) },
    standardError: { FileHandle.standardError.write(Data($0.utf8)) }
)
exit(status)
