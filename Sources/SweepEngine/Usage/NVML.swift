import Foundation
import HyperOpt
#if canImport(Glibc)
import Glibc
#endif

/// One process's use of one GPU.
public struct GPUProcessUse: Sendable, Hashable {
    public var pid: Int32
    /// The NVML index of the device.
    public var device: Int
    /// Device memory the process holds, in bytes; nil where NVML cannot say (it reports
    /// NVML_VALUE_NOT_AVAILABLE under MIG without privileges, and under WSL/WDDM).
    public var memory: UInt64?
    /// The share of the device's streaming multiprocessors' time the process used in its latest
    /// sample, in percent: 0 when NVML sampled the device lately and the process was not among the
    /// active ones; nil where the device does not sample processes or cannot attribute them.
    public var smUtilization: Double?

    public init(pid: Int32, device: Int, memory: UInt64?, smUtilization: Double?) {
        self.pid = pid
        self.device = device
        self.memory = memory
        self.smUtilization = smUtilization
    }
}

/// Every device, and every compute process on each, at one moment.
public struct GPUReading: Sendable {
    public var devices: [GPUUse]
    public var processes: [GPUProcessUse]

    public init(devices: [GPUUse], processes: [GPUProcessUse]) {
        self.devices = devices
        self.processes = processes
    }
}

/// Why NVML cannot be used here, as one line that starts with "no GPU".
public struct NVMLUnavailable: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The NVIDIA driver's management library, when there is one.
///
/// It is loaded with `dlopen` when asked for, so that the same binary runs on machines without a
/// driver. NVML's functions are reached through `dlsym`; where a function has versions, the
/// newest one this driver has is used, as nvitop does.
public final class NVML: @unchecked Sendable {
    private typealias Status = Int32
    private typealias NoArguments = @convention(c) () -> Status
    private typealias ErrorString = @convention(c) (Status) -> UnsafePointer<CChar>?
    private typealias Count = @convention(c) (UnsafeMutablePointer<UInt32>) -> Status
    private typealias HandleByIndex = @convention(c) (UInt32, UnsafeMutablePointer<OpaquePointer?>) -> Status
    private typealias Text = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>, UInt32) -> Status
    private typealias Record = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer) -> Status
    private typealias Processes = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt32>, UnsafeMutableRawPointer?) -> Status
    private typealias ProcessSamples = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt32>, UInt64) -> Status

    /// NVML's return codes that change what the caller does.
    private enum Code {
        static let success: Status = 0
        static let notSupported: Status = 3
        static let notFound: Status = 6
        static let insufficientSize: Status = 7
    }

    /// NVML_DEVICE_NAME_V2_BUFFER_SIZE and NVML_DEVICE_UUID_V2_BUFFER_SIZE, the largest either needs.
    private static let textBufferSize = 96
    /// How old (in microseconds) a process's latest utilisation sample may be and still count.
    private static let sampleLifetime: UInt64 = 3_000_000

    private let library: UnsafeMutableRawPointer
    private let shutdown: NoArguments?
    private let errorString: ErrorString?
    private let count: Count
    private let handleByIndex: HandleByIndex
    private let name: Text?
    private let uuid: Text?
    private let memoryInfo: Record?
    private let utilizationRates: Record?
    private let computeProcesses: Processes?
    private let processInfoSize: Int
    private let processUtilization: ProcessSamples?

    /// What `read` remembers between calls, per NVML index: the newest sample timestamp seen (so
    /// NVML returns only newer ones), and each process's latest sample.
    private struct SampleState {
        var lastSeen: UInt64 = 0
        var latest: [Int32: (timeStamp: UInt64, sm: UInt32)] = [:]
    }
    private var samples: [Int: SampleState] = [:]
    private let lock = NSLock()

    private init(library: UnsafeMutableRawPointer, shutdown: NoArguments?, errorString: ErrorString?,
                 count: Count, handleByIndex: HandleByIndex) {
        func symbol<F>(_ names: String..., as type: F.Type) -> F? {
            for name in names {
                if let address = dlsym(library, name) { return unsafeBitCast(address, to: type) }
            }
            return nil
        }
        self.library = library
        self.shutdown = shutdown
        self.errorString = errorString
        self.count = count
        self.handleByIndex = handleByIndex
        name = symbol("nvmlDeviceGetName", as: Text.self)
        uuid = symbol("nvmlDeviceGetUUID", as: Text.self)
        memoryInfo = symbol("nvmlDeviceGetMemoryInfo", as: Record.self)
        utilizationRates = symbol("nvmlDeviceGetUtilizationRates", as: Record.self)
        processUtilization = symbol("nvmlDeviceGetProcessUtilization", as: ProcessSamples.self)
        // The unversioned symbol is the first version, whose entries lack the instance ids. The
        // drivers of CUDA 12.2 (r535) fill the third version's entries with one more u64 (confidential
        // computing memory); those are the drivers with nvmlDeviceGetConfComputeMemSizeInfo but
        // without nvmlDeviceGetRunningProcessDetailList, which replaced that field later.
        if let v3 = symbol("nvmlDeviceGetComputeRunningProcesses_v3", as: Processes.self) {
            computeProcesses = v3
            let protectedMemoryField = dlsym(library, "nvmlDeviceGetConfComputeMemSizeInfo") != nil
                && dlsym(library, "nvmlDeviceGetRunningProcessDetailList") == nil
            processInfoSize = protectedMemoryField ? NVMLRecords.processInfoV3CCSize : NVMLRecords.processInfoV2Size
        } else if let v2 = symbol("nvmlDeviceGetComputeRunningProcesses_v2", as: Processes.self) {
            computeProcesses = v2
            processInfoSize = NVMLRecords.processInfoV2Size
        } else {
            computeProcesses = symbol("nvmlDeviceGetComputeRunningProcesses", as: Processes.self)
            processInfoSize = NVMLRecords.processInfoV1Size
        }
    }

    /// Loads the library with dlopen and calls nvmlInit_v2 (nvmlInit on old drivers).
    ///
    /// Fails, with a line starting "no GPU", where the library cannot be loaded (no NVIDIA
    /// driver), lacks NVML's basic functions, or cannot initialise (for instance a driver whose
    /// kernel module is not loaded, or one that differs from the library's version).
    public static func load(library path: String = "libnvidia-ml.so.1") -> Result<NVML, NVMLUnavailable> {
        guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            if reason.contains("No such file") || reason.contains("cannot open shared object") {
                return .failure(NVMLUnavailable("no GPU: \(path) not found (no NVIDIA driver)"))
            }
            return .failure(NVMLUnavailable("no GPU: cannot load \(path): \(reason)"))
        }
        func symbol<F>(_ names: String..., as type: F.Type) -> F? {
            for name in names {
                if let address = dlsym(library, name) { return unsafeBitCast(address, to: type) }
            }
            return nil
        }
        guard let initialise = symbol("nvmlInit_v2", "nvmlInit", as: NoArguments.self),
              let count = symbol("nvmlDeviceGetCount_v2", "nvmlDeviceGetCount", as: Count.self),
              let handleByIndex = symbol("nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex", as: HandleByIndex.self)
        else {
            dlclose(library)
            return .failure(NVMLUnavailable("no GPU: \(path) is not NVML (it lacks nvmlInit or nvmlDeviceGetCount)"))
        }
        let errorString = symbol("nvmlErrorString", as: ErrorString.self)
        let status = initialise()
        guard status == Code.success else {
            let reason = errorString?(status).map { String(cString: $0) } ?? "error \(status)"
            dlclose(library)
            return .failure(NVMLUnavailable("no GPU: nvmlInit failed: \(reason)"))
        }
        return .success(NVML(library: library, shutdown: symbol("nvmlShutdown", as: NoArguments.self),
                             errorString: errorString, count: count, handleByIndex: handleByIndex))
    }

    deinit {
        _ = shutdown?()
        dlclose(library)
    }

    /// Reads every device and the compute processes on each.
    ///
    /// Memory per process comes from nvmlDeviceGetComputeRunningProcesses (the newest version the
    /// driver has); utilisation per process from nvmlDeviceGetProcessUtilization, asking only for
    /// samples newer than the last one seen on that device. Never fails as a whole: a call that
    /// fails for one device leaves that part nil or empty.
    public func read() -> GPUReading {
        lock.lock()
        defer { lock.unlock() }
        var reading = GPUReading(devices: [], processes: [])
        var number: UInt32 = 0
        guard count(&number) == Code.success else { return reading }
        let now = UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000))
        for index in 0..<Int(number) {
            var handle: OpaquePointer?
            guard handleByIndex(UInt32(index), &handle) == Code.success, handle != nil else { continue }
            var memory = [UInt64](repeating: 0, count: 3)  // nvmlMemory_t: total, free, used
            let memoryKnown = memoryInfo.map { read in memory.withUnsafeMutableBytes { read(handle, $0.baseAddress!) } == Code.success } ?? false
            var rates = [UInt32](repeating: 0, count: 2)  // nvmlUtilization_t: gpu, memory
            let ratesKnown = utilizationRates.map { read in rates.withUnsafeMutableBytes { read(handle, $0.baseAddress!) } == Code.success } ?? false
            reading.devices.append(GPUUse(index: index, name: text(name, handle), uuid: text(uuid, handle),
                                          utilization: ratesKnown ? Double(rates[0]) : nil,
                                          memoryUsed: memoryKnown ? memory[2] : 0, memoryTotal: memoryKnown ? memory[0] : 0))

            let processes = runningProcesses(handle) ?? []
            guard !processes.isEmpty else { continue }
            let sampled = sampleProcesses(handle, device: index, now: now)
            // Without memory figures NVML cannot attribute work to processes either (MIG, WDDM), so
            // a process missing from the samples is unknown there rather than idle.
            let attributes = processes.allSatisfy { $0.memory != nil }
            for process in processes {
                let latest = sampled?[process.pid]
                let sm: Double? = latest.map(Double.init) ?? (sampled != nil && attributes ? 0 : nil)
                reading.processes.append(GPUProcessUse(pid: process.pid, device: index, memory: process.memory, smUtilization: sm))
            }
        }
        return reading
    }

    /// A string NVML writes into a buffer, or "" where it cannot.
    private func text(_ function: Text?, _ handle: OpaquePointer?) -> String {
        guard let function else { return "" }
        var buffer = [CChar](repeating: 0, count: Self.textBufferSize)
        guard function(handle, &buffer, UInt32(buffer.count)) == Code.success else { return "" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The compute processes on a device, or nil where NVML will not say. The list may grow between
    /// asking its length and reading it, hence the spare entries and the retries.
    private func runningProcesses(_ handle: OpaquePointer?) -> [(pid: Int32, memory: UInt64?)]? {
        guard let computeProcesses else { return nil }
        var wanted: UInt32 = 0
        var status = computeProcesses(handle, &wanted, nil)
        for _ in 0..<3 {
            if status == Code.success && wanted == 0 { return [] }
            guard status == Code.insufficientSize || status == Code.success else { return nil }
            let capacity = Int(wanted) + 8
            var bytes = [UInt8](repeating: 0, count: capacity * processInfoSize)
            var filled = UInt32(capacity)
            status = bytes.withUnsafeMutableBytes { computeProcesses(handle, &filled, $0.baseAddress) }
            if status == Code.success {
                return NVMLRecords.processInfos(bytes, count: Int(filled), stride: processInfoSize)
            }
            wanted = filled
        }
        return nil
    }

    /// Each process's latest SM utilisation on a device within the sample lifetime, after taking in
    /// the samples NVML has recorded since the last call; nil where the device does not sample
    /// processes. Call with the lock held.
    private func sampleProcesses(_ handle: OpaquePointer?, device: Int, now: UInt64) -> [Int32: UInt32]? {
        guard let processUtilization else { return nil }
        var state = samples[device] ?? SampleState()
        var wanted: UInt32 = 0
        var status = processUtilization(handle, nil, &wanted, state.lastSeen)
        if status == Code.insufficientSize || (status == Code.success && wanted > 0) {
            let capacity = Int(wanted) + 8
            var bytes = [UInt8](repeating: 0, count: capacity * NVMLRecords.utilizationSampleSize)
            var filled = UInt32(capacity)
            status = bytes.withUnsafeMutableBytes { processUtilization(handle, $0.baseAddress, &filled, state.lastSeen) }
            if status == Code.success {
                for sample in NVMLRecords.utilizationSamples(bytes, count: Int(filled)) {
                    state.lastSeen = max(state.lastSeen, sample.timeStamp)
                    if sample.timeStamp >= state.latest[sample.pid]?.timeStamp ?? 0 {
                        state.latest[sample.pid] = (sample.timeStamp, sample.sm)
                    }
                }
            }
        }
        // NOT_FOUND: no sample newer than lastSeen, which is an answer, not a failure.
        guard status == Code.success || status == Code.notFound else { return nil }
        state.latest = state.latest.filter { now < Self.sampleLifetime || $0.value.timeStamp >= now - Self.sampleLifetime }
        samples[device] = state
        return state.latest.mapValues(\.sm)
    }
}

/// Pure decoders of NVML's C structures from raw bytes, so they are tested over recorded structures.
///
/// The layouts are x86_64 and aarch64 Linux's: little-endian, natural alignment, so a u64 after a
/// u32 starts at offset 8.
public enum NVMLRecords {
    /// nvmlProcessInfo_v1_t: pid u32, 4 bytes of padding, usedGpuMemory u64.
    public static let processInfoV1Size = 16
    /// nvmlProcessInfo_v2_t (and the usual v3): v1, then gpuInstanceId u32 and computeInstanceId u32.
    public static let processInfoV2Size = 24
    /// The entries CUDA 12.2's drivers (r535) return from the v3 call: v2, then usedGpuCcProtectedMemory u64.
    public static let processInfoV3CCSize = 32
    /// nvmlProcessUtilizationSample_t: pid u32, padding, timeStamp u64, smUtil, memUtil, encUtil, decUtil u32.
    public static let utilizationSampleSize = 32
    /// What NVML writes for memory it cannot measure (NVML_VALUE_NOT_AVAILABLE).
    public static let valueNotAvailable = UInt64.max

    /// The pid and memory of each of `count` process entries `stride` bytes apart; entries that the
    /// bytes do not hold whole are left out.
    public static func processInfos(_ bytes: [UInt8], count: Int, stride: Int) -> [(pid: Int32, memory: UInt64?)] {
        guard stride >= processInfoV1Size, count > 0 else { return [] }
        let whole = min(count, bytes.count / stride)
        return (0..<whole).map { entry in
            let base = entry * stride
            let memory = uint64(bytes, at: base + 8)
            return (Int32(bitPattern: uint32(bytes, at: base)), memory == valueNotAvailable ? nil : memory)
        }
    }

    /// The pid, timestamp (microseconds since 1970), SM and memory utilisation (percent) of each of
    /// `count` samples; samples that the bytes do not hold whole are left out.
    public static func utilizationSamples(_ bytes: [UInt8], count: Int) -> [(pid: Int32, timeStamp: UInt64, sm: UInt32, mem: UInt32)] {
        guard count > 0 else { return [] }
        let whole = min(count, bytes.count / utilizationSampleSize)
        return (0..<whole).map { entry in
            let base = entry * utilizationSampleSize
            return (Int32(bitPattern: uint32(bytes, at: base)), uint64(bytes, at: base + 8),
                    uint32(bytes, at: base + 16), uint32(bytes, at: base + 20))
        }
    }

    /// Which NVML devices CUDA_VISIBLE_DEVICES names, in CUDA's order (CUDA device 0 first).
    ///
    /// Entries are indices ("0,2"; CUDA reads the leading digits, so "1gpu" is 1), or UUIDs or
    /// unique prefixes of them ("GPU-3f2a", with or without "GPU-"), one kind throughout. CUDA stops
    /// at the first entry it cannot use (empty, "-1", out of range, unknown or ambiguous, of the
    /// other kind), and makes no device visible if one is named twice. A MIG entry shows CUDA that
    /// one MIG device and no other: "MIG-GPU-<uuid>/<gi>/<ci>" yields its parent GPU; "MIG-<uuid>"
    /// does not say which GPU holds it, so it yields no device. A nil variable: every device, in
    /// NVML order.
    ///
    /// Indices are taken in NVML's order, PCI bus order. That is CUDA's order when
    /// CUDA_DEVICE_ORDER=PCI_BUS_ID, or when all GPUs are one model; CUDA's default puts faster ones first.
    public static func visibleDevices(_ cudaVisibleDevices: String?, devices: [(index: Int, uuid: String)]) -> [Int] {
        guard let cudaVisibleDevices else { return devices.map(\.index) }
        let known = Set(devices.map(\.index))
        func bare(_ uuid: String) -> String {
            let lower = uuid.lowercased()
            return lower.hasPrefix("gpu-") ? String(lower.dropFirst(4)) : lower
        }
        /// The one device whose UUID starts with the given hex, or nil when none or several do.
        func device(uuidPrefix: String) -> Int? {
            let wanted = bare(uuidPrefix)
            guard !wanted.isEmpty, wanted.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { return nil }
            let matches = devices.filter { bare($0.uuid).hasPrefix(wanted) }
            return matches.count == 1 ? matches[0].index : nil
        }
        var visible: [Int] = []
        var byIndex: Bool?
        for raw in cudaVisibleDevices.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            if entry.uppercased().hasPrefix("MIG-") {
                guard byIndex != true else { break }
                let rest = entry.dropFirst(4)
                if rest.uppercased().hasPrefix("GPU-"), let parent = device(uuidPrefix: String(rest.prefix { $0 != "/" })) {
                    return [parent]
                }
                return []
            }
            let digits = entry.prefix { $0.isASCII && $0.isNumber }
            // "849d" may be a UUID without its "GPU-"; "1gpu" is index 1, as CUDA reads it.
            let uuid = digits.count < entry.count ? device(uuidPrefix: entry) : nil
            let found: Int
            if !digits.isEmpty && uuid == nil {
                guard byIndex != false, let index = Int(digits), known.contains(index) else { break }
                byIndex = true
                found = index
            } else {
                guard byIndex != true, let index = uuid ?? device(uuidPrefix: entry) else { break }
                byIndex = false
                found = index
            }
            if visible.contains(found) { return [] }
            visible.append(found)
        }
        return visible
    }

    private static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    private static func uint64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
    }
}
